import {type QueueTopics} from '../config/index.js'
import {type Rung, rungOfTopic} from '../delay/ladder.js'

/** What a topic the worker reads is to it. */
export interface TopicRole {
  /** The queue's place in the worker's list: jobs of level 0 run before those of level 1. */
  level: number
  topics: QueueTopics
  kind: 'queue' | 'retry' | 'delay'
  /** Delay topics only: the rung it is. */
  rung?: Rung
}

/** Every topic of the given queues, by name: queue, retry and delay topics. */
export function topicRoles(queues: QueueTopics[]): Map<string, TopicRole> {
  const roles = new Map<string, TopicRole>()
  for (const [level, topics] of queues.entries()) {
    roles.set(topics.topic, {level, topics, kind: 'queue'})
    roles.set(topics.retryTopic, {level, topics, kind: 'retry'})
    for (const delayTopic of topics.delayTopics) {
      roles.set(delayTopic, {level, topics, kind: 'delay', rung: rungOfTopic(topics.topic, delayTopic)})
    }
  }

  return roles
}

/**
 * This worker's share of each queue's partitions, by queue topic: the partitions it holds of
 * the topics the queue is worked from, over all of them (a queue's topics have its partition
 * count). Every partition belongs to one member of the group, so the shares add up to 1. A
 * queue whose partition count is unknown gets a share of 1.
 */
export function partitionShares(
  roles: ReadonlyMap<string, TopicRole>,
  assignment: ReadonlyArray<{topic: string}>,
  partitionCounts: ReadonlyMap<string, number>,
): Map<string, number> {
  const held = new Map<string, number>()
  const topicsOf = new Map<string, number>()
  for (const role of roles.values()) topicsOf.set(role.topics.topic, (topicsOf.get(role.topics.topic) ?? 0) + 1)
  for (const {topic} of assignment) {
    const queueTopic = roles.get(topic)?.topics.topic
    if (queueTopic !== undefined) held.set(queueTopic, (held.get(queueTopic) ?? 0) + 1)
  }

  const shares = new Map<string, number>()
  for (const [queueTopic, topics] of topicsOf) {
    const partitions = partitionCounts.get(queueTopic)
    shares.set(queueTopic, partitions === undefined || partitions === 0 ? 1 : Math.min(1, (held.get(queueTopic) ?? 0) / (partitions * topics)))
  }

  return shares
}

/**
 * Where a group without a committed offset starts on a topic: a queue at its end, unless
 * --from-beginning (a new group does not replay a queue's history); retries and delayed jobs
 * wait on their topics for the group, so a new group skips none of them.
 */
export function startsAtBeginning(role: TopicRole, fromBeginning: boolean): boolean {
  return role.kind !== 'queue' || fromBeginning
}
