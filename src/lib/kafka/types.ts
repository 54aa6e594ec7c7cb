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
}

export type TopicDescription = TopicSpec

export interface PartitionOffsets {
  partition: number
  /** First offset still stored. */
  low: number
  /** Offset the next record will get (the end offset). */
  high: number
}

export interface TopicAdmin {
  cluster(): Promise<ClusterInfo>
  /** Every topic name, internal ones included, sorted. */
  listTopics(): Promise<string[]>
  /** The given topics that exist, by name; missing ones are absent from the map. */
  describeTopics(names: string[]): Promise<Map<string, TopicDescription>>
  /** Creates the topics and waits until each partition has a leader. */
  createTopics(specs: TopicSpec[]): Promise<void>
  topicOffsets(name: string): Promise<PartitionOffsets[]>
  close(): Promise<void>
}
