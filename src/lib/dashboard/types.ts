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
  /** The worker's --name, read back from its client id; null for an unnamed worker. */
  name: string | null
  host: string
  /** Always null: Kafka's group protocol does not carry a process id. */
  pid: null
  /** `<topic>:<partition>`, as assigned at the last rebalance. */
  partitions: string[]
}

/** A row of `GET /api/dead-letters`. */
export type DeadLetterRow = DeadLetterSummary & {queue: string}
