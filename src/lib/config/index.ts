import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'

import dotenv from 'dotenv'

import {ConfigError, errorMessage} from '../errors.js'
import {type QueueNaming} from './topics.js'
import {
  booleanValue,
  brokerList,
  identifier,
  nonEmpty,
  oneOf,
  nonNegativeInteger,
  portNumber,
  positiveInteger,
  type RawValue,
  topicName,
} from './values.js'
import {type TlsSettings, readTls} from './tls.js'
import {minInsyncReplicasSetting} from './durability.js'
import {unknownVariableWarnings} from './unknown.js'
import {type VariableName} from './variables.js'

export {DURABLE_MIN_INSYNC_REPLICAS, minInsyncReplicasFor} from './durability.js'
export {DEAD_LETTER_SUFFIX, RETRY_SUFFIX, topicsForQueue, topicsForTopic, type QueueTopics} from './topics.js'
export {type TlsSettings} from './tls.js'
export {VARIABLES, type VariableDoc, type VariableName} from './variables.js'

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const
export type SaslMechanism = (typeof SASL_MECHANISMS)[number]

/** Everything needed to open a connection to the cluster. */
export interface KafkaConnectionConfig {
  brokers: string[]
  clientId: string
  /** Milliseconds to wait for a broker before failing with a clear message. */
  connectTimeoutMs: number
  ssl: boolean
  /** CA, client certificate and key (read from their files), when KAFKA_SSL_* name them. */
  tls?: TlsSettings
  sasl?: {mechanism: SaslMechanism; username: string; password: string}
}

export interface KqConfig extends QueueNaming {
  kafka: KafkaConnectionConfig
  /** Partitions of the topics kq creates. */
  partitions: number
  /** Replication factor of the topics kq creates. */
  replicationFactor: number
  /** min.insync.replicas of the topics kq creates; unset: see minInsyncReplicasFor. */
  minInsyncReplicas?: number
  /** The workers' consumer group. */
  consumerGroup: string
  /** Folder of job classes, absolute. */
  jobsDir: string
  /** Largest encoded job message kq will send, in bytes. */
  maxMessageBytes: number
  /** The compacted topic that carries restart, pause and continue to the workers. */
  controlTopic: string
  /** Port of a worker's Prometheus endpoint; unset: none. */
  metricsPort?: number
  /** Added to the metrics port: a process manager's number for this process, so each has its own. */
  metricsPortOffset: number
  /** Address the metrics endpoint listens on. */
  metricsHost: string
  /** How long a command waits for Kafka to acknowledge a write, in milliseconds. */
  sendTimeoutMs: number
  /** The .env file that was read, if any. */
  envFile?: string
  /** Names in the env file or environment that look meant for kq but are not its settings. */
  warnings?: string[]
}

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

/**
 * Reads `.env` (or `envFile`), the environment and flag overrides into one validated config.
 * Precedence, highest first: flags, environment, file, defaults. Throws a ConfigError naming the
 * first bad value.
 */
export function loadConfig(options: LoadConfigOptions = {}): KqConfig {
  const env = options.env ?? process.env
  const {file, values: fileValues} = readEnvFile(options)

  function lookup(name: VariableName): RawValue | undefined {
    const override = options.overrides?.[name]
    if (override !== undefined) return {raw: override.value, label: override.flag, fromCommandLine: true}
    const fromEnv = env[name]
    if (fromEnv !== undefined && fromEnv !== '') return {raw: fromEnv, label: `${name} (from the environment)`}
    const fromFile = fileValues[name]
    if (fromFile !== undefined && fromFile !== '') {
      return {raw: fromFile, label: `${name} (from ${path.basename(file ?? '.env')})`}
    }

    return undefined
  }

  function read<T>(name: VariableName, fallback: string, parse: (value: RawValue) => T): T {
    return parse(lookup(name) ?? {raw: fallback, label: name})
  }

  const queue = read('KAFKA_QUEUE', 'default', topicName)
  const sasl = readSasl(lookup)
  const ssl = read('KAFKA_SSL', 'false', booleanValue)
  const tls = readTls(lookup, ssl, options.cwd ?? process.cwd())
  const metricsPort = lookup('KQ_METRICS_PORT')
  const replicationFactor = read('KAFKA_REPLICATION_FACTOR', '1', positiveInteger)
  const minInsync = lookup('KAFKA_MIN_INSYNC_REPLICAS')
  const minInsyncReplicas = minInsync && minInsyncReplicasSetting(minInsync, replicationFactor)
  return {
    kafka: {
      brokers: read('KAFKA_BROKERS', '127.0.0.1:9092', brokerList),
      clientId: read('KAFKA_CLIENT_ID', 'kq', identifier),
      connectTimeoutMs: read('KAFKA_CONNECT_TIMEOUT', '10', positiveInteger) * 1000,
      ssl,
      ...(tls && {tls}),
      ...(sasl && {sasl}),
    },
    queue,
    topic: read('KAFKA_TOPIC', queue, topicName),
    partitions: read('KAFKA_PARTITIONS', '1', positiveInteger),
    replicationFactor,
    ...(minInsyncReplicas !== undefined && {minInsyncReplicas}),
    consumerGroup: read('KAFKA_CONSUMER_GROUP', 'kq-workers', identifier),
    jobsDir: path.resolve(options.cwd ?? process.cwd(), read('KQ_JOBS_DIR', 'src/jobs', nonEmpty)),
    maxMessageBytes: read('KQ_MAX_MESSAGE_BYTES', '1000000', positiveInteger),
    controlTopic: read('KQ_CONTROL_TOPIC', 'kq-control', topicName),
    ...(metricsPort && {metricsPort: portNumber(metricsPort)}),
    metricsPortOffset: read('KQ_METRICS_PORT_OFFSET', '0', nonNegativeInteger),
    metricsHost: read('KQ_METRICS_HOST', '127.0.0.1', nonEmpty),
    sendTimeoutMs: read('KAFKA_SEND_TIMEOUT', '30', positiveInteger) * 1000,
    ...(file && {envFile: file}),
    warnings: unknownVariableWarnings(fileValues, path.basename(file ?? '.env'), env),
  }
}

function readSasl(lookup: (name: VariableName) => RawValue | undefined): KafkaConnectionConfig['sasl'] {
  const mechanism = lookup('KAFKA_SASL_MECHANISM')
  if (mechanism === undefined) {
    // Credentials without a mechanism would be ignored, and the login would fail far from here.
    const credential = lookup('KAFKA_SASL_USERNAME') ?? lookup('KAFKA_SASL_PASSWORD')
    if (credential !== undefined) {
      throw new ConfigError(`${credential.label} is set but KAFKA_SASL_MECHANISM is not: set it to ${SASL_MECHANISMS.join(', ')}`)
    }

    return undefined
  }

  const required = (name: VariableName): string => {
    const value = lookup(name)
    if (value === undefined) throw new ConfigError(`${name} must be set when KAFKA_SASL_MECHANISM is set`)
    return nonEmpty(value)
  }

  return {
    mechanism: oneOf(mechanism, SASL_MECHANISMS),
    username: required('KAFKA_SASL_USERNAME'),
    password: required('KAFKA_SASL_PASSWORD'),
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
