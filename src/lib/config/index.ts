import path from 'node:path'

import {ConfigError} from '../errors.js'
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
import {readKeyring} from './encryption.js'
import {type Keyring} from '../envelope/encryption.js'
import {minInsyncReplicasSetting} from './durability.js'
import {type LoadConfigOptions, configSources} from './sources.js'
import {unknownVariableWarnings} from './unknown.js'
import {type VariableName, variableDefault} from './variables.js'

export {DURABLE_MIN_INSYNC_REPLICAS, minInsyncReplicasFor} from './durability.js'
export {DEAD_LETTER_SUFFIX, RETRY_SUFFIX, topicsForQueue, topicsForTopic, type QueueTopics} from './topics.js'
export {type ConfigOverride, type ConfigSource, type LoadConfigOptions} from './sources.js'
export {type TlsSettings} from './tls.js'
export {VARIABLES, type VariableDoc, type VariableName, variableDefault} from './variables.js'

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
  /**
   * The folder jobsDir is when KQ_JOBS_DIR names none (src/jobs, resolved); unset when it names
   * one. A worker warns of a default folder without jobs, and refuses any other that is missing.
   */
  defaultJobsDir?: string
  /** Largest encoded job message kq will send, in bytes. */
  maxMessageBytes: number
  /** The compacted topic that carries restart, pause and continue to the workers. */
  controlTopic: string
  /** The topic of batch progress (see lib/batch). */
  batchTopic: string
  /** Port of a worker's Prometheus endpoint; unset: none. */
  metricsPort?: number
  /** Added to the metrics port: a process manager's number for this process, so each has its own. */
  metricsPortOffset: number
  /** Address the metrics endpoint listens on. */
  metricsHost: string
  /** How long a command waits for Kafka to acknowledge a write, in milliseconds. */
  sendTimeoutMs: number
  /** Keys of encrypted payloads (KQ_ENCRYPTION_KEY, KQ_ENCRYPTION_OLD_KEYS); unset: none. */
  encryption?: Keyring
  /** The .env file that was read, if any. */
  envFile?: string
  /** Names in the env file or environment that look meant for kq but are not its settings. */
  warnings?: string[]
}

/**
 * Reads `.env` (or `envFile`), the environment and flag overrides into one validated config.
 * Precedence, highest first: flags, environment, file, defaults. Throws a ConfigError naming the
 * first bad value.
 */
export function loadConfig(options: LoadConfigOptions = {}): KqConfig {
  const env = options.env ?? process.env
  const {file, fileValues, lookup} = configSources(options)
  const warnings = unknownVariableWarnings(fileValues, path.basename(file ?? '.env'), env)
  try {
    return {...readSettings(lookup, options), ...(file && {envFile: file}), warnings}
  } catch (error) {
    if (error instanceof ConfigError) error.warnings = warnings
    throw error
  }
}

function readSettings(lookup: (name: VariableName) => RawValue | undefined, options: LoadConfigOptions): KqConfig {

  // Defaults come from VARIABLES, which `kq config` and .env.example show: one place for each.
  function read<T>(name: VariableName, parse: (value: RawValue) => T, fallback = variableDefault(name)): T {
    return parse(lookup(name) ?? {raw: fallback ?? '', label: name})
  }

  const queue = read('KAFKA_QUEUE', topicName)
  const sasl = readSasl(lookup)
  const ssl = read('KAFKA_SSL', booleanValue)
  const tls = readTls(lookup, ssl, options.cwd ?? process.cwd())
  const metricsPort = lookup('KQ_METRICS_PORT')
  const encryption = readKeyring(lookup)
  const replicationFactor = read('KAFKA_REPLICATION_FACTOR', positiveInteger)
  const minInsync = lookup('KAFKA_MIN_INSYNC_REPLICAS')
  const minInsyncReplicas = minInsync && minInsyncReplicasSetting(minInsync, replicationFactor)
  const jobsDir = path.resolve(options.cwd ?? process.cwd(), read('KQ_JOBS_DIR', nonEmpty))
  return {
    kafka: {
      brokers: read('KAFKA_BROKERS', brokerList),
      clientId: read('KAFKA_CLIENT_ID', identifier),
      connectTimeoutMs: read('KAFKA_CONNECT_TIMEOUT', positiveInteger) * 1000,
      ssl,
      ...(tls && {tls}),
      ...(sasl && {sasl}),
    },
    queue,
    topic: read('KAFKA_TOPIC', topicName, queue),
    partitions: read('KAFKA_PARTITIONS', positiveInteger),
    replicationFactor,
    ...(minInsyncReplicas !== undefined && {minInsyncReplicas}),
    consumerGroup: read('KAFKA_CONSUMER_GROUP', identifier),
    jobsDir,
    ...(lookup('KQ_JOBS_DIR') === undefined && {defaultJobsDir: jobsDir}),
    maxMessageBytes: read('KQ_MAX_MESSAGE_BYTES', positiveInteger),
    controlTopic: read('KQ_CONTROL_TOPIC', topicName),
    batchTopic: read('KQ_BATCH_TOPIC', topicName),
    ...(metricsPort && {metricsPort: portNumber(metricsPort)}),
    metricsPortOffset: read('KQ_METRICS_PORT_OFFSET', nonNegativeInteger),
    metricsHost: read('KQ_METRICS_HOST', nonEmpty),
    sendTimeoutMs: read('KAFKA_SEND_TIMEOUT', positiveInteger) * 1000,
    ...(encryption && {encryption}),
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
