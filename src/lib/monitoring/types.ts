import {type BatchSummary} from '../batch/index.js'
import {type DeadLetterBacklog} from '../dead-letter/backlog.js'
import {type GroupMember} from '../kafka/index.js'

/** What `kq status` is asked to look at and judge; the command builds it from its flags. */
export interface StatusRequest {
  /** Queues to report on. @defaultValue every queue found: each topic with `-retry` and `-dlt` companions */
  queues?: string[]
  /** The workers' consumer group. @defaultValue KAFKA_CONSUMER_GROUP */
  group: string
  /**
   * Without `queues`, the queue to report on when none is found, which must then exist: a
   * client that logs in sees only the topics its ACLs let it describe, so "no queues" could be
   * a missing grant, and would pass every threshold. @defaultValue none: no queue is no queue
   */
  whenNoneFound?: string
  thresholds: Thresholds
  /** Where `kq pause` writes (KQ_CONTROL_TOPIC); unset: paused queues are not looked for. */
  controlTopic?: string
  /** The batch topic (KQ_BATCH_TOPIC); unset: batches are not looked for. */
  batchTopic?: string
  /** KAFKA_MIN_INSYNC_REPLICAS, what the queue topics are judged against; unset: 2 from 3 replicas up. */
  minInsyncReplicas?: number
}

/** Alert thresholds; a queue is in alert when a figure is above its threshold. */
export interface Thresholds {
  /** Most jobs that may wait on a queue topic (its lag, summed over partitions). */
  maxLag?: number
  /** Most pending dead letters a queue may have. */
  maxDead?: number
}

/** One partition as Kafka's consumer-group tooling describes it. */
export interface PartitionLag {
  topic: string
  partition: number
  /** Log-end offset: the offset the next record will get. */
  end: number
  /** The group's committed offset; null when it has none (shown `-`). */
  committed: number | null
  /** end − committed; null without a committed offset (shown `-`), as kafka-consumer-groups does. */
  lag: number | null
}

export type AlertKind = 'lag' | 'dead'

export interface Alert {
  kind: AlertKind
  value: number
  threshold: number
}

export interface QueueStatus {
  queue: string
  topic: string
  retryTopic: string
  deadLetterTopic: string
  /** The queue's delay topics, shortest rung first. */
  delayTopics: string[]
  /** Jobs waiting on the queue topic: the sum of the partitions' known lags; null when none is known. */
  lag: number | null
  /** Retry records waiting: the group's lag on the retry topic; null when none is known. */
  retryLag: number | null
  /**
   * Jobs waiting on the delay topics until they are due, not yet worked by the group; null when
   * the queue has no delay topics (made by an older kq: `kq topic:create` adds them).
   */
  delayed: number | null
  /** Dead letters past the dead-letter cursor group; null when the dead-letter topic is missing. */
  pendingDeadLetters: number | null
  /**
   * The retry, dead-letter and delay topics Kafka will not describe to this principal (no
   * DESCRIBE on them): their figures are null for that reason, not because the topics are missing.
   */
  undescribable: string[]
  /** Set while `kq pause` holds the queue: who paused it and when; null when it runs. */
  paused: {at: string; by: string} | null
  /** Members of the group holding a partition of the queue, its retry topic or a delay topic. */
  workers: number
  /** Jobs per second the group committed on the queue topic over the last window; null when unknown. */
  rate: number | null
  /** Seconds until the jobs waiting now are taken at `rate`: 0 when lag is 0, null when unknown. */
  drainSeconds: number | null
  /** Thresholds this queue is past; empty when none. */
  alerts: Alert[]
  /** The queue topic's partitions, then the retry topic's. */
  partitions: PartitionLag[]
  deadLetters: DeadLetterBacklog[]
  /**
   * The queue's topics whose acknowledged writes may rest on fewer copies than their replication
   * calls for (min.insync.replicas too low), one line each; empty when none.
   */
  warnings: string[]
}

export interface GroupStatus {
  id: string
  /** Stable, PreparingRebalance, CompletingRebalance, Empty, or Dead (Kafka knows no such group). */
  state: string
  members: GroupMember[]
}

/** Everything `kq status` shows, at one moment; also its `--json` output. */
export interface StatusSnapshot {
  /** When the offsets were read, ISO-8601. */
  time: string
  group: GroupStatus
  /** The group whose committed offsets mark the dead letters already dealt with. */
  deadLetterGroup: string
  /** Seconds between the two reads the rates come from; null for a single read. */
  rateWindowSeconds: number | null
  thresholds: Thresholds
  queues: QueueStatus[]
  /** True when any queue is past a threshold: the command then exits 3. */
  alert: boolean
  /** The batches not yet ended, oldest first; absent when batches were not looked for. */
  batches?: BatchSummary[]
}
