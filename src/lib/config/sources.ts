import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'

import dotenv from 'dotenv'

import {ConfigError, errorMessage} from '../errors.js'
import {type RawValue} from './values.js'
import {type VariableName} from './variables.js'

/** A value given on the command line, which wins over the environment and the file. */
export interface ConfigOverride {
  value: string
  /** The flag or argument as the user knows it, for error messages: `--partitions`. */
  flag: string
}

export interface LoadConfigOptions {
  /** The environment; real variables win over the file. @defaultValue process.env */
  env?: NodeJS.ProcessEnv
  /** A file to read instead of `<cwd>/.env`; it must exist. */
  envFile?: string
  /** Where to look for `.env`. @defaultValue process.cwd() */
  cwd?: string
  /** Values from flags; they win over everything else. */
  overrides?: Partial<Record<VariableName, ConfigOverride>>
}

/** Where a setting's text was found. */
export type ConfigSource = 'flag' | 'environment' | 'file'

export interface SourcedValue extends RawValue {
  source: ConfigSource
}

export interface ConfigSources {
  /** The env file read, absolute, if any. */
  file?: string
  fileValues: Record<string, string>
  /** A setting's text as given, highest precedence first: flags, environment, file; unset: undefined. */
  lookup(name: VariableName): SourcedValue | undefined
}

/** The flags, environment and env file a configuration is read from, in their precedence. */
export function configSources(options: LoadConfigOptions = {}): ConfigSources {
  const env = options.env ?? process.env
  const {file, values: fileValues} = readEnvFile(options)
  const fileName = path.basename(file ?? '.env')
  return {
    ...(file && {file}),
    fileValues,
    lookup(name) {
      const override = options.overrides?.[name]
      if (override !== undefined) return {raw: override.value, label: override.flag, fromCommandLine: true, source: 'flag'}
      const fromEnv = env[name]
      if (fromEnv !== undefined && fromEnv !== '') return {raw: fromEnv, label: `${name} (from the environment)`, source: 'environment'}
      const fromFile = fileValues[name]
      if (fromFile !== undefined && fromFile !== '') return {raw: fromFile, label: `${name} (from ${fileName})`, source: 'file'}
      return undefined
    },
  }
}

function readEnvFile(options: LoadConfigOptions): {file?: string; values: Record<string, string>} {
  const cwd = options.cwd ?? process.cwd()
  if (options.envFile === undefined) {
    const file = path.join(cwd, '.env')
    return existsSync(file) ? {file, values: parseEnvFile(file)} : {values: {}}
  }

  const file = path.resolve(cwd, options.envFile)
  if (!existsSync(file)) {
    throw new ConfigError(`env file ${options.envFile} does not exist: check --dotenv, or copy .env.example`)
  }

  return {file, values: parseEnvFile(file)}
}

function parseEnvFile(file: string): Record<string, string> {
  try {
    return dotenv.parse(readFileSync(file))
  } catch (error) {
    throw new ConfigError(`cannot read env file ${file}: ${errorMessage(error)}`)
  }
}
