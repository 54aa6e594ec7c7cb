import {type KafkaConnectionConfig} from '../config/index.js'

/** The small surfaces the rest of kq uses; only src/lib/kafka knows they are backed by kafkajs. */

export interface BrokerInfo {
  nodeId: number
  host: string
  port: number
}

export interface ClusterInfo {
  clusterId: string
  controller: number | null
  brokers: BrokerInfo[]
}

export interface TopicSpec {
  name: string
  partitions: number
  replicationFactor: number
  /** Topic-level settings Kafka keeps for it (`cleanup.policy: compact`); the cluster's defaults otherwise. */
  configs?: Record<string, string>
}

export type TopicDescription = Omit<TopicSpec, 'configs'>

export interface PartitionOffsets {
  partition: number
  /** First offset still stored. */
  low: number
  /** Offset the next record will get (the end offset). */
  high: number
}

/** Who a group member is, as the member itself says: a `kq work` process publishes it on joining. */
export interface MemberProcess {
  /** The machine's host name. */
  host: string
  pid: number
  /** The worker's --name; null for an unnamed one. */
  name: string | null
}

/** A member of a consumer group: one running consumer, such as one `kq work` process. */
export interface GroupMember {
  memberId: string
  clientId: string
  /** The member's address as Kafka reports it: `/10.0.0.5`. */
  host: string
  /** The partitions the group gave this member at its last rebalance. */
  assignment: TopicPartition[]
  /** What the member published of itself when it joined; absent for other consumers and older kq workers. */
  process?: MemberProcess
}

export interface GroupDescription {
  groupId: string
  /** Kafka's word: Stable, PreparingRebalance, CompletingRebalance, Empty, or Dead (no such group). */
  state: string
  members: GroupMember[]
}

export interface TopicAdmin {
  cluster(): Promise<ClusterInfo>
  /** Every topic name, internal ones included, sorted. */
  listTopics(): Promise<string[]>
  /** The given topics that exist, by name; missing ones are absent from the map. */
  describeTopics(names: string[]): Promise<Map<string, TopicDescription>>
  /**
   * The min.insync.replicas in force on each of the given topics that exist (its own setting,
   * else the brokers'); absent for a topic the broker would not describe (no DESCRIBE_CONFIGS).
   */
  minInsyncReplicas(names: string[]): Promise<Map<string, number>>
  /** Creates the topics and waits until each partition has a leader. */
  createTopics(specs: TopicSpec[]): Promise<void>
  topicOffsets(name: string): Promise<PartitionOffsets[]>
  /**
   * Commits the start offset on every partition of new topics for a group, so that the group's
   * first worker starts at the beginning of them. Throws GroupHasMembersError while the group
   * has members; waits a bounded time for a coordinator that is not ready yet (a fresh cluster).
   */
  startGroupAtBeginning(groupId: string, topics: string[]): Promise<void>
  /** The group's committed next-offset per partition of a topic; -1 where it has none. */
  committedOffsets(groupId: string, topic: string): Promise<Array<{partition: number; offset: number}>>
  /** The same, with the metadata string Kafka stores beside each commit. */
  committedOffsetsWithMetadata(groupId: string, topic: string): Promise<CommittedOffset[]>
  /** The same for several topics in one request, by topic. */
  committedOnTopics(groupId: string, topics: string[]): Promise<Map<string, CommittedOffset[]>>
  /** The group's state and members, with the partitions each member holds. */
  describeGroup(groupId: string): Promise<GroupDescription>
  close(): Promise<void>
}

export interface OutgoingMessage {
  /** Messages with the same key go to the same partition, in order. */
  key?: string | Buffer | null
  value: Buffer | string
  /** Plain UTF-8 header values, readable by any Kafka tool. */
  headers?: Record<string, string>
}

/**
 * Where Kafka stored a message. Offsets are numbers everywhere in kq's port: exact up to 2^53,
 * which a partition taking a million records a second reaches in 285 years.
 */
export interface PublishedRecord {
  topic: string
  partition: number
  offset: number
}

export interface SendOptions {
  /**
   * Choose each message's partition as a send to this topic would, and write to the partition
   * of that number: a delayed job waits on the partition its key has on the queue topic. The
   * two topics must have the same partition count (else a KafkaRefusedError says how to fix it).
   */
  partitionAs?: string
  /** Write to this partition, whatever the key: a record that must follow another on its partition. */
  partition?: number
}

export interface PublisherOptions {
  /**
   * Longest wait for Kafka to acknowledge a send, its retries included; then it fails with
   * SendTimeoutError. @defaultValue none: kafkajs's own retries and timeouts decide
   */
  sendTimeoutMs?: number
}

export interface Publisher {
  /** Throws TopicNotFoundError unless the topic exists; a found topic is remembered. */
  assertTopicExists(topic: string): Promise<void>
  /** Sends one message and waits for every in-sync replica to have it (acks=all). */
  send(topic: string, message: OutgoingMessage, options?: SendOptions): Promise<PublishedRecord>
  /** Sends messages in one request, keeping their order per partition; acks=all. */
  sendBatch(topic: string, messages: OutgoingMessage[], options?: SendOptions): Promise<void>
  close(): Promise<void>
}

export interface TopicPartition {
  topic: string
  partition: number
}

/** A record as the worker receives it; headers decoded as UTF-8 strings. */
export interface IncomingMessage extends TopicPartition {
  offset: number
  /** Kafka's record timestamp, Unix milliseconds. */
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: Record<string, string>
}

/** Records fetched from one partition, in offset order. */
export interface FetchedRecords extends TopicPartition {
  records: IncomingMessage[]
}

/** The next offset to read on a partition, as committed for a group, with optional metadata. */
export interface PartitionPosition extends TopicPartition {
  offset: number
  /** At most the brokers' offset.metadata.max.bytes (4096 by default). */
  metadata?: string
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

/** A group's committed position on one partition, with the string Kafka stores beside it. */
export interface CommittedOffset {
  partition: number
  /** The next offset the group reads; -1 when it has committed none on this partition. */
  offset: number
  /** The commit's metadata (at most the brokers' offset.metadata.max.bytes, 4096 by default). */
  metadata: string | null
}

/** The records of one partition to read: offsets `from` up to, not including, `to`. */
export interface ReadRange {
  partition: number
  from: number
  to: number
}

/** Reads topics and group offsets without joining, or disturbing, any group that matters. */
export interface TopicReader {
  /** Throws TopicNotFoundError unless the topic exists. */
  assertTopicExists(topic: string): Promise<void>
  topicOffsets(topic: string): Promise<PartitionOffsets[]>
  /**
   * Per partition, the first offset whose record's timestamp is at or after `timestamp` (Unix
   * ms); the end offset where no record is that recent. Kafka's time index answers this.
   */
  offsetsAtTime(topic: string, timestamp: number): Promise<Array<{partition: number; offset: number}>>
  /** The group's committed offsets and their metadata on each partition of a topic. */
  committed(groupId: string, topic: string): Promise<CommittedOffset[]>
  /**
   * Hands `each` every record of the given ranges, in offset order per partition, through a
   * short-lived consumer in a throwaway group named `<groupPrefix>-reader-...` that commits nothing.
   */
  read(topic: string, ranges: ReadRange[], groupPrefix: string, each: (message: IncomingMessage) => void): Promise<void>
  /**
   * Joins `groupId` as its only member, to commit its offsets. A group with other members after
   * `waitMs` (a crashed holder leaves when its session times out, after 10 s) is left alone:
   * the answer then names them.
   */
  holdGroup(groupId: string, topic: string, options?: {waitMs?: number}): Promise<{held: GroupHold} | {inUseBy: string[]}>
  close(): Promise<void>
}

/** Membership of a group held to commit its offsets (with metadata); release() leaves it. */
export interface GroupHold {
  commit(offsets: Array<{partition: number; offset: number; metadata: string | null}>): Promise<void>
  release(): Promise<void>
}

/** What an ACL is on: Kafka's resource types that kq grants on. */
export type AclResourceType = 'topic' | 'group' | 'cluster' | 'transactional-id'

/** Operations as Kafka names them in ACLs (AclOperation), in kq's spelling. */
export type AclOperation =
  | 'all'
  | 'read'
  | 'write'
  | 'create'
  | 'delete'
  | 'alter'
  | 'describe'
  | 'cluster-action'
  | 'describe-configs'
  | 'alter-configs'
  | 'idempotent-write'

/**
 * One access control entry on one resource: Kafka's ACL binding. `prefixed` matches every
 * resource whose name starts with `name`; `literal` only that name (`*` for all).
 */
export interface AclBinding {
  /** `User:alice`: Kafka's principal type and name. */
  principal: string
  /** The client address it applies to; `*` for any. */
  host: string
  resourceType: AclResourceType
  name: string
  pattern: 'literal' | 'prefixed'
  operation: AclOperation
  permission: 'allow' | 'deny'
}

/** Reads and changes the cluster's ACLs; Kafka refuses unless an authorizer is configured. */
export interface AclAdmin {
  /** Adds the bindings; adding one that exists already changes nothing. */
  createAcls(bindings: AclBinding[]): Promise<void>
  /** Every binding, or those of one principal; sorted by resource, then operation. */
  describeAcls(filter?: {principal?: string}): Promise<AclBinding[]>
  /** Removes exactly these bindings, and returns those that existed. */
  deleteAcls(bindings: AclBinding[]): Promise<AclBinding[]>
  close(): Promise<void>
}

/**
 * A Kafka client behind kq's port. kq ships one, on kafkajs; another client (librdkafka's
 * bindings, @platformatic/kafka) becomes an adapter by implementing these and passing the
 * contract tests in test/lib/kafka/.
 */
export interface KafkaAdapter {
  openPublisher(connection: KafkaConnectionConfig, options?: PublisherOptions): Promise<Publisher>
  openSubscriber(connection: KafkaConnectionConfig, options: SubscriberOptions): Promise<Subscriber>
  openTopicAdmin(connection: KafkaConnectionConfig): Promise<TopicAdmin>
  openTopicReader(connection: KafkaConnectionConfig): Promise<TopicReader>
  openAclAdmin(connection: KafkaConnectionConfig): Promise<AclAdmin>
}
