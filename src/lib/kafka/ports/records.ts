/**
 * The words every port speaks: a partition, a record going out or coming in, an offset and a
 * group's committed position. Offsets are numbers throughout (see PublishedRecord).
 */

export interface TopicPartition {
  topic: string
  partition: number
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
  /** The partition's end offset (its high watermark) when it was fetched, if the client says. */
  end?: number
}

/** The next offset to read on a partition, as committed for a group, with optional metadata. */
export interface PartitionPosition extends TopicPartition {
  offset: number
  /** At most the brokers' offset.metadata.max.bytes (4096 by default). */
  metadata?: string
}

/** A group's committed position on one partition, with the string Kafka stores beside it. */
export interface CommittedOffset {
  partition: number
  /** The next offset the group reads; -1 when it has committed none on this partition. */
  offset: number
  /** The commit's metadata (at most the brokers' offset.metadata.max.bytes, 4096 by default). */
  metadata: string | null
}

export interface PartitionOffsets {
  partition: number
  /** First offset still stored. */
  low: number
  /** Offset the next record will get (the end offset). */
  high: number
}
