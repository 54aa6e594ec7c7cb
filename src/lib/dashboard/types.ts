import {type DeadLetterSummary} from '../dead-letter/letters.js'

/** A row of `GET /api/queues`: one queue as `kq status` sees it. */
export interface QueueRow {
  queue: string
  topic: string
  /** Jobs waiting on the queue topic; null when the group has committed nothing there yet. */
  lag: number | null
  /** Jobs on the delay topics, not yet due; null for a queue without delay topics. */
  delayed: number | null
  /** Failed attempts waiting for their next try on the retry topic. */
  retrying: number | null
  /** Pending dead letters; null without a dead-letter topic. */
  deadLetters: number | null
  /** Jobs per minute the group committed since the previous read; null on the first. */
  throughputPerMinute: number | null
  workers: number
  /** Seconds until the lag is worked off at that rate; null when unknown. */
  drainSeconds: number | null
  paused: {at: string; by: string} | null
}

/** A row of `GET /api/workers`: a member of the workers' consumer group. */
export interface WorkerRow {
  memberId: string
  clientId: string
  /** The worker's --name; null for an unnamed worker. */
  name: string | null
  /** The worker's host name, as it published it; else its address. */
  host: string
  /** The address Kafka saw the member connect from. */
  address: string
  /** The worker's process id, as it published it; null for a member that did not (not kq work, or an older kq). */
  pid: number | null
  /** `<topic>:<partition>`, as assigned at the last rebalance. */
  partitions: string[]
}

/** A row of `GET /api/dead-letters`. */
export type DeadLetterRow = DeadLetterSummary & {queue: string}
