import {type CommittedOffset, type IncomingMessage, type PartitionOffsets} from './records.js'

/** The port that reads topics and moves group offsets without taking part in the workers' group. */

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
