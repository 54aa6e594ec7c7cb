import {type QueueNaming, type QueueTopics, topicsForQueue, topicsForTopic} from '../config/topics.js'
import {type DeadLetterBacklog, deadLetterBacklog} from '../dead-letter/backlog.js'
import {TopicNotFoundError} from '../errors.js'
import {type CommittedOffset, type GroupDescription, type PartitionOffsets, type TopicAdmin} from '../kafka/index.js'
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
  /** The queue's partitions that no broker leads now, by topic; absent when there are none. */
  leaderless?: Array<{topic: string; partitions: number[]}>
  /**
   * The queue's retry, dead-letter and delay topics that Kafka will not describe to this
   * principal (no DESCRIBE): hidden from the topic list, not missing; absent when there are none.
   */
  undescribable?: string[]
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
 * can find: each topic that has both its `-retry` and its `-dlt` companion; when it finds none,
 * `whenNoneFound`, if given, as if asked for.
 */
export async function findQueues(
  admin: TopicAdmin,
  naming: QueueNaming,
  requested?: string[],
  whenNoneFound?: string,
): Promise<{queues: QueueTopics[]; existing: Set<string>}> {
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
  if (queues.length === 0 && whenNoneFound !== undefined) return findQueues(admin, naming, [whenNoneFound])
  return {queues, existing}
}

/**
 * Reads the group, and for each queue the end offsets and the group's committed offsets on its
 * topic, retry topic and delay topics, and the dead letters past the cursor group. The topics of
 * every queue are asked about together, in a few requests whatever their number; a missing
 * companion topic is left out rather than asked for, so that a broker with
 * auto.create.topics.enable never creates it.
 */
export async function readStatus(
  admin: TopicAdmin,
  queues: QueueTopics[],
  existing: Set<string>,
  groups: {workers: string; deadLetters: string},
): Promise<StatusReading> {
  const present = (names: string[]) => names.filter((name) => existing.has(name))
  const worked = queues.flatMap((topics) => [topics.topic, ...present([topics.retryTopic, ...topics.delayTopics])])
  const deadLetterTopics = queues.flatMap((topics) => present([topics.deadLetterTopic]))
  // Kafka lists only the topics a principal may describe: a companion absent from the list may
  // be one it may not, which kq status shows as such rather than as a figure it does not know.
  const unlisted = queues.flatMap((topics) => [topics.retryTopic, topics.deadLetterTopic, ...topics.delayTopics].filter((name) => !existing.has(name)))
  const started = Date.now()
  const [group, {ends, committed, leaderless}, durability, undescribable] = await Promise.all([
    admin.describeGroup(groups.workers),
    admin.offsetsOfTopics([...worked, ...deadLetterTopics], {committedBy: [groups.workers, groups.deadLetters]}),
    readDurability(admin, queues.flatMap((topics) => present(queueTopicRoles(topics).map(([name]) => name)))),
    admin.undescribable(unlisted).then((names) => new Set(names)),
  ])
  // A topic deleted since it was listed has no offsets: it is left out as if it never existed.
  const workedOn = (topic: string): TopicReading | undefined => {
    const offsets = ends.get(topic)
    if (offsets === undefined) return undefined
    const offsetsOfGroup = committed.get(groups.workers)?.get(topic) ?? []
    return {committed: offsetsOfGroup.map(({partition, offset}) => ({partition, offset})), offsets}
  }

  const deadLettersOf = (topic: string): DeadLetterBacklog[] | undefined => {
    const offsets = ends.get(topic)
    return offsets && deadLetterBacklog(offsets, committed.get(groups.deadLetters)?.get(topic) ?? [])
  }

  const readings = queues.map((topics): QueueReading => {
    const queue = workedOn(topics.topic)
    if (queue === undefined) throw new TopicNotFoundError(topics.topic)
    const retry = workedOn(topics.retryTopic)
    const deadLetters = deadLettersOf(topics.deadLetterTopic)
    const names = new Set(queueTopicRoles(topics).map(([name]) => name))
    const down = [...names].flatMap((topic) => (leaderless.has(topic) ? [{topic, partitions: leaderless.get(topic)!}] : []))
    const hidden = [...names].filter((topic) => undescribable.has(topic))
    return {
      topics,
      queue,
      ...(retry && {retry}),
      ...(deadLetters && {deadLetters}),
      delays: topics.delayTopics.flatMap((topic) => workedOn(topic) ?? []),
      durability: durability.filter(({name}) => names.has(name)),
      ...(down.length > 0 && {leaderless: down}),
      ...(hidden.length > 0 && {undescribable: hidden}),
    }
  })
  return {at: (started + Date.now()) / 2, group, queues: readings}
}

/** The group's committed offsets on each queue topic, by topic: the start of a rate window. */
export async function readCommits(admin: TopicAdmin, group: string, topics: string[]): Promise<{at: number; committed: Map<string, Committed>}> {
  const started = Date.now()
  // The end offsets come along (two small requests per broker); only the committed ones are used.
  const found = (await admin.offsetsOfTopics(topics, {committedBy: [group]})).committed.get(group) ?? new Map<string, CommittedOffset[]>()
  const committed = new Map([...found].map(([topic, offsets]) => [topic, offsets.map(({partition, offset}) => ({partition, offset}))]))
  return {at: (started + Date.now()) / 2, committed}
}
