import {type QueueNaming, type QueueTopics, topicsForQueue, topicsForTopic} from '../config/topics.js'
import {type DeadLetterBacklog, pendingDeadLetters} from '../dead-letter/backlog.js'
import {TopicNotFoundError} from '../errors.js'
import {type GroupDescription, type PartitionOffsets, type TopicAdmin} from '../kafka/index.js'
import {type TopicDurability, readDurability} from '../topics/durability.js'
import {isInternalTopic} from '../topics/list.js'
import {queueTopicRoles} from '../topics/plan.js'

type Committed = Array<{partition: number; offset: number}>

/** A topic's end offsets and the group's committed offsets on it, read together. */
export interface TopicReading {
  offsets: PartitionOffsets[]
  committed: Committed
}

export interface QueueReading {
  topics: QueueTopics
  queue: TopicReading
  /** Absent when the retry topic does not exist. */
  retry?: TopicReading
  /** The delay topics that exist, shortest rung first; empty for a queue made before them. */
  delays: TopicReading[]
  /** Absent when the dead-letter topic does not exist. */
  deadLetters?: DeadLetterBacklog[]
  /** Replication and min.insync.replicas of the queue's topics that exist; absent when not read. */
  durability?: TopicDurability[]
}

/** One read of everything `kq status` shows. */
export interface StatusReading {
  /** When the committed offsets were read, in ms since the epoch. */
  at: number
  group: GroupDescription
  queues: QueueReading[]
  /** The paused queues, by topic (kq pause); absent when not looked for. */
  paused?: ReadonlyMap<string, {at: string; by: string}>
}

/**
 * The queues to report on: those asked for, each of which must exist, or else every queue kq
 * can find: each topic that has both its `-retry` and its `-dlt` companion.
 */
export async function findQueues(admin: TopicAdmin, naming: QueueNaming, requested?: string[]): Promise<{queues: QueueTopics[]; existing: Set<string>}> {
  const existing = new Set(await admin.listTopics())
  if (requested !== undefined) {
    const queues = requested.map((queue) => topicsForQueue(naming, queue))
    const missing = queues.find((queue) => !existing.has(queue.topic))
    if (missing) throw new TopicNotFoundError(missing.topic)
    return {queues, existing}
  }

  const queues = [...existing]
    .filter((name) => !isInternalTopic(name))
    .map((name) => topicsForTopic(name, name === naming.topic ? naming.queue : name))
    .filter((queue) => existing.has(queue.retryTopic) && existing.has(queue.deadLetterTopic))
    .sort((a, b) => a.queue.localeCompare(b.queue))
  return {queues, existing}
}

/**
 * Reads the group, and for each queue the end offsets and the group's committed offsets on its
 * topic, retry topic and delay topics, and the dead letters past the cursor group. Topics are read in
 * parallel; a missing companion topic is left out rather than asked for, so that a broker with
 * auto.create.topics.enable never creates it.
 */
export async function readStatus(
  admin: TopicAdmin,
  queues: QueueTopics[],
  existing: Set<string>,
  groups: {workers: string; deadLetters: string},
): Promise<StatusReading> {
  const readTopic = async (topic: string): Promise<TopicReading> => {
    // Committed first, then end offsets, as kafka-consumer-groups does: a lag read while a
    // worker commits can only come out high, never negative.
    const committed = await admin.committedOffsets(groups.workers, topic)
    return {committed, offsets: await admin.topicOffsets(topic)}
  }

  const started = Date.now()
  const [group, ...readings] = await Promise.all([
    admin.describeGroup(groups.workers),
    ...queues.map(async (topics): Promise<QueueReading> => {
      const [queue, retry, deadLetters, delays, durability] = await Promise.all([
        readTopic(topics.topic),
        existing.has(topics.retryTopic) ? readTopic(topics.retryTopic) : undefined,
        existing.has(topics.deadLetterTopic) ? pendingDeadLetters(admin, topics.deadLetterTopic, groups.deadLetters) : undefined,
        Promise.all(topics.delayTopics.filter((topic) => existing.has(topic)).map(async (topic) => readTopic(topic))),
        readDurability(admin, queueTopicRoles(topics).map(([name]) => name).filter((name) => existing.has(name))),
      ])
      return {topics, queue, ...(retry && {retry}), ...(deadLetters && {deadLetters}), delays, durability}
    }),
  ])
  return {at: (started + Date.now()) / 2, group, queues: readings}
}

/** The group's committed offsets on each queue topic, by topic: the start of a rate window. */
export async function readCommits(admin: TopicAdmin, group: string, topics: string[]): Promise<{at: number; committed: Map<string, Committed>}> {
  const started = Date.now()
  const entries = await Promise.all(topics.map(async (topic) => [topic, await admin.committedOffsets(group, topic)] as const))
  return {at: (started + Date.now()) / 2, committed: new Map(entries)}
}
