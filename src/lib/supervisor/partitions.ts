import {type KqConfig, topicsForQueue} from '../config/index.js'
import {BrokerUnreachableError, errorMessage} from '../errors.js'
import {type TopicDescription, probeBrokers, withTopicAdmin} from '../kafka/index.js'

/** Longest the partition check waits for a broker: writing a config file must not need one. */
export const PARTITION_CHECK_TIMEOUT_MS = 3000

/**
 * Warnings about the queues' partitions for `procs` workers: workers in one group share the
 * partitions of the queue topics, so a worker beyond the largest queue's count would idle. A missing topic is
 * worth a warning too. When Kafka cannot be asked, one line says the check was skipped.
 */
export async function checkPartitions(config: KqConfig, queues: string[], procs: number): Promise<string[]> {
  const topics = queues.map((queue) => topicsForQueue(config, queue).topic)
  const timeoutMs = Math.min(config.kafka.connectTimeoutMs, PARTITION_CHECK_TIMEOUT_MS)
  // A client would retry a refused connection for seconds: ask the socket first (see probeBrokers).
  const unreachable = await probeBrokers(config.kafka.brokers, timeoutMs)
  if (unreachable !== undefined) return [`partition check skipped: cannot reach Kafka at ${config.kafka.brokers.join(',')} (${unreachable})`]
  const connection = {...config.kafka, connectTimeoutMs: timeoutMs}
  try {
    const found = await withTopicAdmin(connection, (admin) => admin.describeTopics(topics))
    return partitionWarnings(topics, found, procs)
  } catch (error) {
    const reason =
      error instanceof BrokerUnreachableError
        ? `cannot reach Kafka at ${error.brokers.join(',')} (${error.reason})`
        : errorMessage(error)
    return [`partition check skipped: ${reason}`]
  }
}

/** The warnings for what Kafka said about the queue topics. */
export function partitionWarnings(topics: string[], found: Map<string, TopicDescription>, procs: number): string[] {
  const missing = topics.filter((topic) => !found.has(topic))
  if (missing.length > 0) {
    return missing.map((topic) => `topic ${topic} does not exist: create it with \`kq topic:create ${topic} --partitions ${procs}\``)
  }

  const counts = topics.map((topic) => found.get(topic)?.partitions ?? 0)
  // Workers of several queues deal out partition numbers, not partitions: partition p of every
  // queue (and of its retry and delay topics) goes to one worker, so the busiest queue caps them.
  const partitions = Math.max(...counts)
  if (procs <= partitions) return []
  const workers = procs === 1 ? '1 worker' : `${procs} workers`
  const idle = procs - partitions
  const advice = `lower --procs to ${partitions} or give ${topics.length === 1 ? 'the topic' : 'the topics'} more partitions`
  if (topics.length === 1) return [`${workers} for ${partitions} partition${partitions === 1 ? '' : 's'} of ${topics[0]}: ${idle} would idle; ${advice}`]
  const listed = `${counts.slice(0, -1).join(', ')} and ${counts.at(-1)}`
  return [
    `${workers} for ${topics.join(', ')}, of ${listed} partitions: each worker takes the same partition of every queue, so ${idle} would idle; ${advice}`,
  ]
}
