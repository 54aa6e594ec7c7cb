import {type FetchedRecords, type PartitionPosition, type TopicPartition} from './records.js'

/** The port a worker reads through: a consumer group's member, as a stream of records offered to a sink. */

/** Who a group member is, as the member itself says: a `kq work` process publishes it on joining. */
export interface MemberProcess {
  /** The machine's host name. */
  host: string
  pid: number
  /** The worker's --name; null for an unnamed one. */
  name: string | null
}

export interface SubscriberOptions {
  groupId: string
  /**
   * The topics, each with where the group starts on a partition it has never committed: its
   * first record still stored, or the next one written (Kafka's auto.offset.reset).
   */
  topics: Array<{name: string; start: 'earliest' | 'latest'}>
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  /** Longest a fetch waits on the broker for new records: the idle latency. */
  maxWaitMs: number
  /** Published to the group with each join, for describeGroup (and the dashboard) to show. */
  process?: MemberProcess
}

export interface SubscriberEvents {
  /** The group (re)assigned partitions to this member. */
  joined: {assignment: TopicPartition[]}
  /** The group is rebalancing: partitions may move. */
  rebalancing: Record<string, never>
  /** The consumer failed (a lost broker, most often) and restarts unless `restarting` is false. */
  crashed: {error: Error; restarting: boolean}
}

/** Where a subscriber's fetched records go. */
export interface RecordSink {
  /**
   * Keeps what it wants of a fetched run of records, from the first, and returns how many; the
   * rest are fetched again once the partition is resumed. Must return at once.
   */
  take(fetched: FetchedRecords): number
  /**
   * Before a partition's records are offered: a promise to wait on while the sink cannot take
   * them yet (a new partition whose last owner's progress is still being read), or undefined.
   * Waiting here rather than pausing keeps the first fetch of a join going: a consumer with
   * every partition paused sleeps a whole fetch wait before it looks again.
   */
  ready(topic: string, partition: number): Promise<void> | undefined
  /**
   * Before the next fetch: a promise to wait on while the sink is about to make room, or
   * undefined to fetch at once. It must settle well within a heartbeat interval (the member
   * heartbeats between fetches).
   */
  room(): Promise<void> | undefined
}

/**
 * A member of a consumer group, as a stream of records. Fetching runs ahead on its own: each
 * fetched run of records is offered to the sink. Nothing is committed but what `commit` is given.
 */
export interface Subscriber {
  /** Runs until stopped. */
  run(sink: RecordSink): Promise<void>
  /** Stops fetching these partitions until resumed; records not taken come again on resume. */
  pause(partitions: TopicPartition[]): void
  resume(partitions: TopicPartition[]): void
  /** The partitions assigned at the last join. */
  assigned(): TopicPartition[]
  /** Commits these next-offsets for the group now. */
  commit(positions: PartitionPosition[]): Promise<void>
  /** Stops fetching, leaves the group and disconnects. */
  stop(): Promise<void>
  on<E extends keyof SubscriberEvents>(event: E, listener: (payload: SubscriberEvents[E]) => void): void
}
