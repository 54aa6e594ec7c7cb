import {topicsForTopic} from '../config/topics.js'
import {type TopicAdmin, type TopicDescription} from '../kafka/index.js'
import {type TopicRole, queueTopicRoles} from './plan.js'

export interface TopicSummary extends TopicDescription {
  /** What the topic is to a kq queue (`queue`, `retry`, `dead-letter`, `delay 1m`...); null for others. */
  role: TopicRole | null
  /** Records currently stored: the sum over partitions of end offset minus start offset. */
  messages: number
  /** min.insync.replicas in force on the topic; null when the broker would not say. */
  minInsyncReplicas: number | null
}

/** Kafka's own topics (`__consumer_offsets`, ...) are named with two leading underscores. */
export function isInternalTopic(name: string): boolean {
  return name.startsWith('__')
}

/**
 * The role of each topic that belongs to a kq queue. A queue is a topic with both its `-retry`
 * and its `-dlt` companion, as `kq status` finds them; its other topics are named after it.
 */
export function topicRoles(names: string[]): Map<string, TopicRole> {
  const existing = new Set(names)
  const roles = new Map<string, TopicRole>()
  for (const name of names) {
    const topics = topicsForTopic(name)
    if (!existing.has(topics.retryTopic) || !existing.has(topics.deadLetterTopic)) continue
    for (const [topic, role] of queueTopicRoles(topics)) if (existing.has(topic)) roles.set(topic, role)
  }

  return roles
}

export async function summarizeTopics(admin: TopicAdmin, options: {includeInternal?: boolean} = {}): Promise<TopicSummary[]> {
  const names = (await admin.listTopics()).filter((name) => options.includeInternal || !isInternalTopic(name))
  const descriptions = await admin.describeTopics(names)
  const roles = topicRoles(names)
  const [minInsync, {ends}] = await Promise.all([admin.minInsyncReplicas([...descriptions.keys()]), admin.offsetsOfTopics([...descriptions.keys()])])
  // A topic deleted since it was described has no offsets: it is no longer there to list.
  const summaries = [...descriptions.values()].flatMap(({name, partitions, replicationFactor}) => {
    const topicOffsets = ends.get(name)
    if (topicOffsets === undefined) return []
    const messages = topicOffsets.reduce((sum, partition) => sum + (partition.high - partition.low), 0)
    return [{name, role: roles.get(name) ?? null, partitions, replicationFactor, minInsyncReplicas: minInsync.get(name) ?? null, messages}]
  })
  return summaries.sort((a, b) => a.name.localeCompare(b.name))
}
