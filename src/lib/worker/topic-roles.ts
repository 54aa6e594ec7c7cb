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
