import {type StandardSchemaV1} from '../schema/standard.js'

/**
 * What dispatch needs to know of a kind of job, as plain values: dispatch knows nothing of job
 * classes (lib/jobs reads these off a class with `jobDefaults`). They travel in the message, as
 * in Laravel.
 */
export interface JobDefaults {
  name: string
  queue?: string
  tries?: number
  timeout?: number
  backoff?: number[]
  /** Checks the payload before it is sent; not part of the message. */
  schema?: StandardSchemaV1
  /** Encrypt the payload with the configuration's KQ_ENCRYPTION_KEY. */
  encrypted?: boolean
  /** The message key a job's middleware needs (withoutOverlapping); wins over the unique id. */
  recordKey?: (payload: any) => string
  /** A unique job's id from its payload, and how long it stays unique (seconds; none: until done). */
  unique?: {id: (payload: any) => string; seconds?: number; untilProcessing?: boolean}
}

/** Options of one dispatch, from application code or `kq dispatch`. */
export interface DispatchOptions {
  /** Queue to send to. @defaultValue the job's `queue`, else KAFKA_QUEUE */
  queue?: string
  /** Message key: jobs with the same key keep their order. @defaultValue none */
  key?: string
  /** Extra Kafka headers (names starting with `kq-` are kq's own and refused). */
  headers?: Record<string, string>
  /**
   * How long the job waits before it may start: seconds (Laravel's unit: `90`, `1.5`), or text
   * as on the command line (`'500ms'`, `'10m'`, `'1h30m'`). At most 90 days. Not with `at`.
   * @defaultValue no wait
   */
  delay?: number | string
  /**
   * When the job may start: a Date, or ISO-8601 text with its timezone. Up to a second in the
   * past means now. Not with `delay`. @defaultValue now
   */
  at?: Date | string
}

/** Where a dispatched job landed. */
export interface DispatchReceipt {
  id: string
  job: string
  queue: string
  /** The topic it was written to: the queue's topic, or the delay topic where it waits. */
  topic: string
  partition: number
  offset: number
  /** When a delayed job may start (ISO 8601); absent for a job that may start at once. */
  dueAt?: string
}

/** A job and its payload, not yet sent: a step of a chain (`SendInvoice.with(payload)`). */
export interface PendingJob {
  job: JobDefaults
  payload: unknown
}
