import {encryptionKey, parseKeyText} from '../envelope/encryption.js'
import {type ConfigSource, type LoadConfigOptions, configSources} from './sources.js'
import {VARIABLES, type VariableDoc, type VariableName} from './variables.js'

/** What `kq config` shows of a secret: the same for every value, so not even its length shows. */
export const SECRET_MASK = '********'

export interface ConfigEntry {
  name: VariableName
  /** The value in effect as written, a secret masked; null when unset and without a default. */
  value: string | null
  /** Where the value came from: a flag, the environment, the env file, VARIABLES' default, or nowhere. */
  source: ConfigSource | 'default' | 'unset'
  /** The flag that gave it, with source `flag`: `--brokers`. */
  flag?: string
  secret?: true
  /** For encryption keys: their ids, as dead letters and worker errors name them, so keys can be compared unseen. */
  keyIds?: string[]
}

export interface ConfigReport {
  /** The env file read, absolute, if any. */
  envFile?: string
  settings: ConfigEntry[]
}

/**
 * Every configuration variable with the value kq uses and where it came from, in the precedence
 * loadConfig applies (flags, environment, file, default). It only reports: loadConfig checks.
 */
export function explainConfig(options: LoadConfigOptions = {}): ConfigReport {
  const {file, lookup} = configSources(options)
  const settings = VARIABLES.map((variable: VariableDoc): ConfigEntry => {
    const name = variable.name as VariableName
    const secret = variable.secret ? {secret: true as const} : {}
    const given = lookup(name)
    if (given !== undefined) {
      const value = variable.secret ? SECRET_MASK : given.raw.trim()
      const keyIds = KEY_VARIABLES.has(name) ? keyIdsOf(given.raw) : undefined
      return {name, value, source: given.source, ...(given.source === 'flag' && {flag: given.label}), ...secret, ...(keyIds && {keyIds})}
    }

    if (variable.default !== undefined) return {name, value: variable.default, source: 'default', ...secret}
    return {name, value: null, source: 'unset', ...secret}
  })
  return {...(file && {envFile: file}), settings}
}

const KEY_VARIABLES: ReadonlySet<string> = new Set(['KQ_ENCRYPTION_KEY', 'KQ_ENCRYPTION_OLD_KEYS'])

/** The ids of a comma-separated list of keys; `?` for one that is not a key (loadConfig says which). */
function keyIdsOf(text: string): string[] {
  return text
    .split(',')
    .map((each) => each.trim())
    .filter((each) => each !== '')
    .map((each) => {
      const secret = parseKeyText(each)
      return secret === undefined ? '?' : encryptionKey(secret).id
    })
}
