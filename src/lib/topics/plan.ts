import {type QueueTopics} from '../config/index.js'
import {companionOf} from '../config/topics.js'
import {UsageError} from '../errors.js'
import {RUNGS} from '../delay/ladder.js'
import {type TopicDescription, type TopicSpec} from '../kafka/index.js'
import {durabilityConfigs} from './durability.js'

/** What a topic is to its queue; `delay 1m` is the delay topic of the 1m rung. */
export type TopicRole = 'queue' | 'retry' | 'dead-letter' | `delay ${string}`

export type TopicStatus = 'created' | 'exists' | 'mismatch'

export interface TopicSettings {
  partitions: number
  replicationFactor: number
  /** KAFKA_MIN_INSYNC_REPLICAS; unset: minInsyncReplicasFor decides. */
  minInsyncReplicas?: number
}

/** One topic of a queue: what was asked for, what Kafka has, and how they compare. */
export interface TopicPlanRow extends TopicSpec {
  role: TopicRole
  /** `created` once a missing topic has been made; `exists` when Kafka's matches the request. */
  status: TopicStatus
  /** What differs, in words (`partitions: 3 on the broker, 6 asked`); empty unless `mismatch`. */
  differences: string[]
  /** min.insync.replicas in force on the topic; null when the broker would not say. */
  minInsyncReplicas: number | null
}

/**
 * Every topic of a queue, with the same settings: a delayed job waits on the partition number
 * its key has on the queue topic, so all of them need the same partition count.
 */
export function queueTopicSpecs(topics: QueueTopics, wanted: TopicSettings): Array<TopicSpec & {role: TopicRole}> {
  const companion = companionOf(topics.topic)
  if (companion !== undefined) {
    throw new UsageError(
      `${topics.topic} ends like kq's ${companion.role} topic of queue ${companion.queueTopic}, so it cannot be a queue: ` +
        `create ${companion.queueTopic} (\`kq topic:create ${companion.queueTopic}\` makes its ${companion.role} topic too) or pick another name`,
    )
  }

  const settings = {partitions: wanted.partitions, replicationFactor: wanted.replicationFactor, ...durabilityConfigs(wanted)}
  return queueTopicRoles(topics).map(([name, role]) => ({name, role, ...settings}))
}

/** A queue's topics and their roles, in the order kq shows them. */
export function queueTopicRoles(topics: QueueTopics): Array<[string, TopicRole]> {
  return [
    [topics.topic, 'queue'],
    [topics.retryTopic, 'retry'],
    [topics.deadLetterTopic, 'dead-letter'],
    ...topics.delayTopics.map((name, index): [string, TopicRole] => [name, `delay ${RUNGS[index].label}`]),
  ]
}

/**
 * Compares the wanted topics with those Kafka has. A missing topic is planned as `created`;
 * the caller creates exactly those. Rows for existing topics show Kafka's actual settings.
 */
export function planTopics(
  wanted: Array<TopicSpec & {role: TopicRole}>,
  existing: Map<string, TopicDescription>,
): TopicPlanRow[] {
  return wanted.map((spec) => {
    const actual = existing.get(spec.name)
    if (actual === undefined) return {...spec, status: 'created', differences: [], minInsyncReplicas: null}
    const differences: string[] = []
    if (actual.partitions !== spec.partitions) {
      differences.push(`partitions: ${actual.partitions} on the broker, ${spec.partitions} asked`)
    }

    if (actual.replicationFactor !== spec.replicationFactor) {
      differences.push(`replication factor: ${actual.replicationFactor} on the broker, ${spec.replicationFactor} asked`)
    }

    return {
      ...spec,
      partitions: actual.partitions,
      replicationFactor: actual.replicationFactor,
      status: differences.length > 0 ? 'mismatch' : 'exists',
      differences,
      minInsyncReplicas: null,
    }
  })
}
