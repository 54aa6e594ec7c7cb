import {topicsForTopic} from '../config/topics.js'
import {type TopicAdmin, type TopicDescription} from '../kafka/index.js'
import {type TopicRole, queueTopicRoles} from './plan.js'

export interface TopicSummary extends TopicDescription {
  /** What the topic is to a kq queue (`queue`, `retry`, `dead-letter`, `delay 1m`...); null for others. */
  role: TopicRole | null
  /**
   * Records currently stored: the sum over partitions of end offset minus start offset, but for
   * the partitions without a leader, whose offsets nobody can say.
   */
  messages: number
  /** Partitions that no broker leads now (every replica is down): empty on a healthy cluster. */
  partitionsWithoutLeader: number[]
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

/**
 * The order topic:list shows: each queue's topics together, in the order topic:create made them
 * (queue, retry, dead letters, delay rungs shortest first), and other topics among them by name.
 * By name alone, `orders-delay-10m` came before `orders-delay-1s` and the queue's ladder read scrambled.
 */
export function listingOrder(names: string[]): string[] {
  const existing = new Set(names)
  const place = new Map<string, {queue: string; rank: number}>()
  for (const name of names) {
    const topics = topicsForTopic(name)
    if (!existing.has(topics.retryTopic) || !existing.has(topics.deadLetterTopic)) continue
    for (const [rank, [topic]] of queueTopicRoles(topics).entries()) place.set(topic, {queue: name, rank})
  }

  const placeOf = (name: string) => place.get(name) ?? {queue: name, rank: 0}
  return [...names].sort((a, b) => {
    const [first, second] = [placeOf(a), placeOf(b)]
    return first.queue.localeCompare(second.queue) || first.rank - second.rank
  })
}

export async function summarizeTopics(admin: TopicAdmin, options: {includeInternal?: boolean} = {}): Promise<TopicSummary[]> {
  const names = (await admin.listTopics()).filter((name) => options.includeInternal || !isInternalTopic(name))
  const descriptions = await admin.describeTopics(names)
  const roles = topicRoles(names)
  const [minInsync, {ends, leaderless}] = await Promise.all([admin.minInsyncReplicas([...descriptions.keys()]), admin.offsetsOfTopics([...descriptions.keys()])])
  // A topic deleted since it was described has no offsets: it is no longer there to list.
  const summaries = [...descriptions.values()].flatMap(({name, partitions, replicationFactor}) => {
    const topicOffsets = ends.get(name)
    if (topicOffsets === undefined) return []
    const messages = topicOffsets.reduce((sum, partition) => sum + (partition.high - partition.low), 0)
    const partitionsWithoutLeader = leaderless.get(name) ?? []
    return [{name, role: roles.get(name) ?? null, partitions, replicationFactor, minInsyncReplicas: minInsync.get(name) ?? null, messages, partitionsWithoutLeader}]
  })
  const order = new Map(listingOrder(summaries.map(({name}) => name)).map((name, index) => [name, index]))
  return summaries.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0))
}
