import {type ConfigOverride, type KqConfig, type LoadConfigOptions, type VariableName, loadConfig} from '../lib/config/index.js'
import {configSources} from '../lib/config/sources.js'
import {ConfigError} from '../lib/errors.js'
import {WORKER_SETTING_NAMES, flagName, settingOf} from '../lib/worker/settings.js'

/**
 * The flags that override a configuration variable, by flag name. Apart from flags.ts (which
 * defines the flags with oclif) so that `kq dispatch`'s path without oclif reads them too.
 */
export const CONFIG_FLAGS: Readonly<Record<string, VariableName>> = {
  brokers: 'KAFKA_BROKERS',
  partitions: 'KAFKA_PARTITIONS',
  'replication-factor': 'KAFKA_REPLICATION_FACTOR',
  'jobs-dir': 'KQ_JOBS_DIR',
  // And the worker settings whose default is a variable, such as --group.
  ...Object.fromEntries(
    WORKER_SETTING_NAMES.flatMap((name) => {
      const {env} = settingOf(name)
      return env === undefined ? [] : [[flagName(name), env]]
    }),
  ),
}

/** Where a command's configuration is read from: the env file flag, and the configuration flags given. */
export function configOptions(
  flags: Record<string, unknown>,
  extra: Partial<Record<VariableName, ConfigOverride>> = {},
): LoadConfigOptions {
  const overrides: Partial<Record<VariableName, ConfigOverride>> = {...extra}
  for (const [flag, variable] of Object.entries(CONFIG_FLAGS)) {
    const value = flags[flag]
    if (value !== undefined) overrides[variable] = {value: String(value), flag: `--${flag}`}
  }

  return {envFile: flags.dotenv as string | undefined, overrides}
}

/** A command's configuration for its flags; each warning about it (a misspelt setting...) goes to `warn` first. */
export function loadCommandConfig(
  flags: Record<string, unknown>,
  warn: (message: string) => void,
  extra: Partial<Record<VariableName, ConfigOverride>> = {},
): KqConfig {
  let config: KqConfig
  try {
    config = loadConfig(configOptions(flags, extra))
  } catch (error) {
    if (error instanceof ConfigError) for (const message of error.warnings) warn(message)
    throw error
  }

  for (const message of config.warnings ?? []) warn(message)
  return config
}

/**
 * One setting as given (flag, environment or env file) with where it was read, without
 * checking the rest of the configuration: for the local Kafka's commands, which run whatever
 * .env says. Undefined when unset or when the env file cannot be read.
 */
export function givenSetting(flags: Record<string, unknown>, name: VariableName): {raw: string; label: string} | undefined {
  try {
    const found = configSources(configOptions(flags)).lookup(name)
    return found?.raw === undefined ? undefined : {raw: found.raw, label: found.label}
  } catch {
    return undefined
  }
}
