import {type OutgoingMessage, type PublishedRecord} from './records.js'

/** The port that writes records: what dispatching a job and a worker's retries, dead letters and moves need. */

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
   * Longest wait for Kafka to acknowledge a send, its retries included. A send refused while
   * Kafka moves a dead broker's partitions is tried again until shortly before then, and fails
   * with the last refusal; a send left unanswered fails with SendTimeoutError.
   * @defaultValue none: up to a minute of retries, and kafkajs's own timeouts, decide
   */
  sendTimeoutMs?: number
  /**
   * How many producers may send side by side, each to partitions of its own (see SendLanes in the
   * kafkajs adapter). More than one suits an application's concurrent dispatches; a worker's
   * writes keep one producer, which rides out a leader election without starting another.
   * @defaultValue 1
   */
  lanes?: number
  /**
   * The topics the first sends go to, looked up while the producer connects: their check and
   * their partitions then cost no round trip of their own. Without them the whole topic list is
   * asked for, which on a cluster of a thousand topics took longer than the rest of a dispatch.
   */
  topics?: string[]
  /** Gives up a connection still being made: openPublisher rejects with the signal's reason, leaving nothing open. */
  signal?: AbortSignal
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
