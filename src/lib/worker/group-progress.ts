import {type KafkaConnectionConfig} from '../config/index.js'
import {type CommittedOffset, type PartitionOffsets, type TopicAdmin, type TopicPartition, openTopicAdmin} from '../kafka/index.js'

/**
 * Where the worker's group stands on its partitions, read from Kafka: for --stop-when-empty,
 * and to tell a new group that it skipped jobs. One admin connection, opened on first use and
 * kept for the worker's life.
 */
export class GroupProgress {
  private admin?: Promise<TopicAdmin>
  private readonly committedReads = new PerTurnReads(async (topics) => (await this.connect()).committedOnTopics(this.group, topics))
  private readonly stateReads = new PerTurnReads(async (topics) => (await this.connect()).offsetsOfTopics(topics, {committedBy: [this.group]}))

  constructor(
    private readonly connection: KafkaConnectionConfig,
    private readonly group: string,
  ) {}

  /** The partition count of each topic that exists; an empty map when Kafka cannot be asked. */
  async partitionCounts(topics: string[]): Promise<Map<string, number>> {
    try {
      const admin = await this.connect()
      const described = await admin.describeTopics(topics)
      return new Map([...described].map(([name, description]) => [name, description.partitions]))
    } catch {
      this.admin = undefined
      return new Map()
    }
  }

  /**
   * True when every assigned partition is worked to its end: the furthest of this worker's own
   * position, the group's committed offset and the partition's start reaches its end offset,
   * but for the records `leftAlone` counts from that position on (jobs this worker cannot run).
   * Not knowing (Kafka unreachable) is not drained.
   */
  async isDrained(
    assigned: TopicPartition[],
    positions: ReadonlyMap<string, number>,
    leftAlone: (partition: TopicPartition, from: number) => number = () => 0,
  ): Promise<boolean> {
    try {
      return (await this.spans(assigned, positions)).every((each) => each.end - each.from <= leftAlone(each, each.from))
    } catch {
      return false
    }
  }

  /**
   * Records left to work on each assigned partition: from the furthest of this worker's own
   * position, the group's committed offset and the partition's start, to its end. Throws when
   * Kafka cannot be asked.
   */
  async remaining(assigned: TopicPartition[], positions: ReadonlyMap<string, number>): Promise<Array<TopicPartition & {jobs: number}>> {
    return (await this.spans(assigned, positions)).map(({topic, partition, from, end}) => ({topic, partition, jobs: Math.max(0, end - from)}))
  }

  /** Where the work left on each assigned partition starts and ends; throws when Kafka cannot be asked. */
  private async spans(assigned: TopicPartition[], positions: ReadonlyMap<string, number>): Promise<Array<TopicPartition & {from: number; end: number}>> {
    try {
      const admin = await this.connect()
      const topics = [...new Set(assigned.map((each) => each.topic))]
      // Side by side, the group's offsets and every topic's ends: a queue reads a retry topic and
      // delay rungs too, and --stop-when-empty asks this as soon as its worker runs out of work.
      const [committedByTopic, endsByTopic] = await Promise.all([
        topics.length > 0 ? admin.committedOnTopics(this.group, topics) : new Map<string, CommittedOffset[]>(),
        Promise.all(topics.map(async (topic) => admin.topicOffsets(topic))),
      ])
      const spans: Array<TopicPartition & {from: number; end: number}> = []
      for (const [index, topic] of topics.entries()) {
        const ends = endsByTopic[index]
        const committed = committedByTopic.get(topic) ?? []
        for (const {partition} of assigned.filter((each) => each.topic === topic)) {
          const end = ends.find((each) => each.partition === partition)
          const mine = positions.get(`${topic}:${partition}`) ?? -1
          const theirs = committed.find((each) => each.partition === partition)?.offset ?? -1
          spans.push({topic, partition, from: Math.max(mine, theirs, end?.low ?? 0), end: end?.high ?? 0})
        }
      }

      return spans
    } catch (error) {
      this.admin = undefined
      throw error
    }
  }

  /**
   * The partitions of `assigned` that no broker leads now (every replica is down): nothing is
   * fetched from them until one is back. One metadata request on the admin connection, at each
   * join. Empty when it cannot tell: this is only for a warning.
   */
  async leaderless(assigned: TopicPartition[]): Promise<TopicPartition[]> {
    const leaderless = await this.withoutLeaderOn([...new Set(assigned.map(({topic}) => topic))])
    return assigned.filter(({topic, partition}) => leaderless.get(topic)?.includes(partition))
  }

  /** The partitions of one of the worker's topics that no broker leads now; empty when it cannot tell. */
  async withoutLeader(topic: string): Promise<number[]> {
    return (await this.withoutLeaderOn([topic])).get(topic) ?? []
  }

  private async withoutLeaderOn(topics: string[]): Promise<Map<string, number[]>> {
    try {
      // The worker's topics exist: asking for their metadata cannot make a broker create one.
      return await (await this.connect()).partitionsWithoutLeader(topics)
    } catch {
      this.admin = undefined
      return new Map()
    }
  }

  /**
   * Jobs the group skips on the given queue topics because it has no committed offset there on
   * the assigned partitions, and so starts at their end (Kafka's default, so that a new group
   * does not replay a topic's history). Empty when it cannot tell: this is only for a warning.
   */
  async skippedAtStart(topics: string[], assignment: TopicPartition[]): Promise<Array<{topic: string; jobs: number}>> {
    const skipped: Array<{topic: string; jobs: number}> = []
    try {
      const admin = await this.connect()
      for (const topic of topics) {
        const mine = new Set(assignment.filter((each) => each.topic === topic).map((each) => each.partition))
        const committed = await admin.committedOffsets(this.group, topic)
        const fresh = new Set(committed.filter((each) => mine.has(each.partition) && each.offset < 0).map((each) => each.partition))
        if (fresh.size === 0) continue
        const ends = await admin.topicOffsets(topic)
        const jobs = ends.filter((each) => fresh.has(each.partition)).reduce((sum, each) => sum + (each.high - each.low), 0)
        if (jobs > 0) skipped.push({topic, jobs})
      }
    } catch {
      this.admin = undefined
    }

    return skipped
  }

  /**
   * Asks Kafka about the group once before joining it: without even DESCRIBE on it, joining
   * fails deep inside the consumer as "group coordinator not found", retried as if the broker
   * were away. This fails at once, with the permission named.
   */
  async assertGroupAccess(): Promise<void> {
    const admin = await this.connect()
    await admin.describeGroup(this.group)
  }

  /**
   * One partition as the group left it: the group's committed offset there with its metadata
   * (undefined when it has none), and the partition's start and end (undefined when Kafka did not
   * say). Partitions asked about in one turn of the event loop are read in one request.
   */
  async partitionState(topic: string, partition: number): Promise<{committed?: CommittedOffset; offsets?: PartitionOffsets}> {
    const {ends, committed} = await this.stateReads.about(topic)
    return {
      committed: committed.get(this.group)?.get(topic)?.find((each) => each.partition === partition),
      offsets: ends.get(topic)?.find((each) => each.partition === partition),
    }
  }

  /**
   * The group's committed offset and its metadata on one partition; undefined when it has none.
   * One request on the worker's admin connection: cheaper than partitionState, which opens one.
   */
  async committed(topic: string, partition: number): Promise<CommittedOffset | undefined> {
    return (await this.committedReads.about(topic)).get(topic)?.find((each) => each.partition === partition)
  }

  async close(): Promise<void> {
    const admin = this.admin
    this.admin = undefined
    await (await admin?.catch(() => undefined))?.close().catch(() => {})
  }

  private connect(): Promise<TopicAdmin> {
    this.admin ??= openTopicAdmin(this.connection)
    return this.admin
  }
}

/** Topics asked about in one turn of the event loop, read together in one request. */
class PerTurnReads<T> {
  private pending?: {topics: Set<string>; read: Promise<T>}

  constructor(private readonly read: (topics: string[]) => Promise<T>) {}

  /** The read that covers `topic`: the one this turn's askers share. */
  about(topic: string): Promise<T> {
    if (!this.pending) {
      const topics = new Set<string>()
      const read = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        this.pending = undefined
        return this.read([...topics])
      })
      this.pending = {topics, read}
    }

    this.pending.topics.add(topic)
    return this.pending.read
  }
}
