import {ConfigError, UsageError} from '../errors.js'
import {type RawValue, positiveInteger} from './values.js'

/**
 * What kq asks of a topic replicated 3 times or more: two copies before a write counts, so that
 * acks=all survives the loss of one broker without losing a job, and one broker down still
 * leaves the topic writable. Kafka's own default (1) would let a write rest on one copy.
 */
export const DURABLE_MIN_INSYNC_REPLICAS = 2
const DURABLE_REPLICATION = 3

/**
 * The min.insync.replicas a topic of `replicationFactor` should have: KAFKA_MIN_INSYNC_REPLICAS
 * when set (at most the replication), else 2 for a topic replicated 3 times or more, 1 for a
 * topic of one replica (the only value that lets an acks=all write through: a cluster whose
 * default is 2 would refuse every one), else undefined: the brokers' default, for two replicas.
 */
export function minInsyncReplicasFor(replicationFactor: number, setting?: number): number | undefined {
  if (setting !== undefined) return Math.min(setting, replicationFactor)
  if (replicationFactor >= DURABLE_REPLICATION) return DURABLE_MIN_INSYNC_REPLICAS
  return replicationFactor === 1 ? 1 : undefined
}

/** KAFKA_MIN_INSYNC_REPLICAS, checked against the replication factor it will be used with. */
export function minInsyncReplicasSetting(value: RawValue, replicationFactor: number): number {
  const wanted = positiveInteger(value)
  if (wanted > replicationFactor) {
    const message =
      `${value.label} is ${wanted}, more than the replication factor ${replicationFactor} (KAFKA_REPLICATION_FACTOR): ` +
      `Kafka would refuse every write to the topics; set it to at most ${replicationFactor}`
    throw value.fromCommandLine ? new UsageError(message) : new ConfigError(message)
  }

  return wanted
}
