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

export interface OutgoingMessage {
  /** Messages with the same key go to the same partition, in order. */
  key?: string | null
  value: Buffer | string
  /** Plain UTF-8 header values, readable by any Kafka tool. */
  headers?: Record<string, string>
}

/** Where Kafka stored a message. Offsets are strings: they can pass 2^53. */
export interface PublishedRecord {
  topic: string
  partition: number
  offset: string
}

export interface Publisher {
  /** Throws TopicNotFoundError unless the topic exists; a found topic is remembered. */
  assertTopicExists(topic: string): Promise<void>
  /** Sends one message and waits for every in-sync replica to have it (acks=all). */
  send(topic: string, message: OutgoingMessage): Promise<PublishedRecord>
  /** Sends messages in one request, keeping their order per partition; acks=all. */
  sendBatch(topic: string, messages: OutgoingMessage[]): Promise<void>
  close(): Promise<void>
}
