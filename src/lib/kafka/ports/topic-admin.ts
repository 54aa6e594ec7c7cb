import {type CommittedOffset, type PartitionOffsets, type TopicPartition} from './records.js'
import {type MemberProcess} from './subscriber.js'

/** The port that asks about and changes the cluster: its brokers, topics, groups and their offsets. */

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

/** The offsets of many topics, read together. */
export interface TopicsOffsets {
  /** Each topic's offsets, by topic. */
  ends: Map<string, PartitionOffsets[]>
  /** Each group's committed offsets, by group, then by topic; -1 where it has none. */
  committed: Map<string, Map<string, CommittedOffset[]>>
  /**
   * Partitions that no broker leads now (every replica is down), by topic: nobody can say their
   * offsets, so `ends` leaves them out rather than fail the whole read.
   */
  leaderless: Map<string, number[]>
}

export interface TopicAdmin {
  cluster(): Promise<ClusterInfo>
  /** Every topic name, internal ones included, sorted. */
  listTopics(): Promise<string[]>
  /** The given topics that exist, by name; missing ones are absent from the map. */
  describeTopics(names: string[]): Promise<Map<string, TopicDescription>>
  /**
   * The partitions of existing topics among `names` that no broker leads now (every replica is
   * down), by topic; topics with none are left out. One metadata request.
   */
  partitionsWithoutLeader(names: string[]): Promise<Map<string, number[]>>
  /**
   * The topics among `names` that Kafka will not describe to this principal (no DESCRIBE on
   * them): it hides them from listTopics, and says no more of them, not even whether they exist.
   * One metadata request a topic, none of which creates one.
   */
  undescribable(names: string[]): Promise<string[]>
  /**
   * The min.insync.replicas in force on each of the given topics that exist (its own setting,
   * else the brokers'); absent for a topic the broker would not describe (no DESCRIBE_CONFIGS).
   */
  minInsyncReplicas(names: string[]): Promise<Map<string, number>>
  /** Creates the topics and waits until each partition has a leader. */
  createTopics(specs: TopicSpec[]): Promise<void>
  topicOffsets(name: string): Promise<PartitionOffsets[]>
  /**
   * The offsets of many topics, asked in a few requests whatever their number: their start and
   * end offsets and, for each group in `committedBy`, its committed offsets on them, read before
   * the end offsets (so that a lag computed from them can come out high, never negative). A topic
   * that does not exist (or no longer) is absent.
   */
  offsetsOfTopics(names: string[], options?: {committedBy?: string[]}): Promise<TopicsOffsets>
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
