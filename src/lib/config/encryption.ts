import {type Keyring, encryptionKey, parseKeyText} from '../envelope/encryption.js'
import {ConfigError, UsageError} from '../errors.js'
import {type RawValue} from './values.js'
import {type VariableName} from './variables.js'

const KEY_FORM = '32 random bytes in base64, as `openssl rand -base64 32` prints them'

/**
 * The keys of encrypted payloads: KQ_ENCRYPTION_KEY encrypts and decrypts, the comma-separated
 * KQ_ENCRYPTION_OLD_KEYS only decrypt, so a key can be replaced while jobs encrypted with the
 * former one are still on their way. A bad key is named, never shown.
 */
export function readKeyring(lookup: (name: VariableName) => RawValue | undefined): Keyring | undefined {
  const current = lookup('KQ_ENCRYPTION_KEY')
  const old = lookup('KQ_ENCRYPTION_OLD_KEYS')
  if (current === undefined) {
    if (old !== undefined) fail(old, 'is set but KQ_ENCRYPTION_KEY is not: set the current key too')
    return undefined
  }

  const secret = parseKeyText(current.raw)
  if (secret === undefined) fail(current, `must be ${KEY_FORM} (the value is not shown)`)
  const texts = old === undefined ? [] : old.raw.split(',').map((text) => text.trim()).filter((text) => text !== '')
  const oldKeys = texts.map((text, index) => {
    const oldSecret = parseKeyText(text)
    if (oldSecret === undefined) fail(old as RawValue, `holds a key that is not ${KEY_FORM}: the ${ordinal(index + 1)} (values are not shown)`)
    return encryptionKey(oldSecret)
  })
  return {current: encryptionKey(secret), old: oldKeys}
}

function fail(value: RawValue, problem: string): never {
  const message = `${value.label} ${problem}`
  throw value.fromCommandLine ? new UsageError(message) : new ConfigError(message)
}

function ordinal(n: number): string {
  const suffix = n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'
  return `${n}${suffix}`
}
