import {EventEmitter} from 'node:events'

import {type JobEnvelope} from '../envelope/index.js'
import {ExitCode} from '../errors.js'
import {describeError} from '../failure/headers.js'
import {type IncomingMessage, type TopicPartition} from '../kafka/index.js'
import {type DeadLetterReason} from '../retry/index.js'

/** Which job an event is about. */
export interface JobRef {
  job: string
  id: string
  attempt: number
  maxTries: number
  queue: string
  topic: string
  partition: number
  offset: number
}

export interface ErrorSummary {
  name: string
  message: string
}

/** Which job a record's attempt is, for its events. */
export function jobRef(record: IncomingMessage, envelope: JobEnvelope, attempt: number, maxTries: number): JobRef {
  return {
    job: envelope.job,
    id: envelope.id,
    attempt,
    maxTries,
    queue: envelope.queue,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
  }
}

/**
 * A `job:done` event: jobRef() with its duration added, one object. A worker draining a backlog
 * makes one a job, and a spread of jobRef() made two.
 */
export function jobDone(record: IncomingMessage, envelope: JobEnvelope, attempt: number, maxTries: number, durationMs: number): WorkerEvents['job:done'] {
  const event = jobRef(record, envelope, attempt, maxTries) as WorkerEvents['job:done']
  event.durationMs = durationMs
  return event
}

/** An error as events tell it: its class and message, never its stack. */
export function errorSummary(error: unknown): ErrorSummary {
  const {className, message} = describeError(error)
  return {name: className, message}
}

export type StopReason = 'signal' | 'restart' | 'max-jobs' | 'max-time' | 'memory' | 'empty' | 'broker-timeout' | 'refused' | 'error'

/** Who asked for a restart, pause or continue, and when (the asking machine's clock). */
export interface ControlRef {
  at: string
  by: string
}

/** The exit code each way of stopping deserves: 0 for those a process manager restarts. */
export const STOP_EXIT_CODES: Record<StopReason, number> = {
  signal: 0,
  restart: 0,
  'max-jobs': 0,
  'max-time': 0,
  empty: 0,
  memory: ExitCode.Memory,
  'broker-timeout': ExitCode.Unreachable,
  refused: ExitCode.KafkaRefused,
  error: ExitCode.Failure,
}

export interface WorkerSummary {
  /** Attempts that succeeded. */
  processed: number
  /** Attempts that failed (retried or dead-lettered). */
  failed: number
  /** Jobs sent to a dead-letter topic, poison messages included. */
  deadLettered: number
  /** Unique jobs' duplicates, committed without running. */
  skipped: number
  /** Jobs a middleware put back on the delay ladder, not counted as tries. */
  released: number
  seconds: number
  reason: StopReason
  exitCode: number
}

/**
 * What a worker tells its listeners. The worker prints nothing: `kq work` renders these as
 * Laravel-style lines or JSON; an application may log them its own way.
 */
export interface WorkerEvents {
  started: {queues: string[]; topics: string[]; group: string; concurrency: number; worker: string}
  assigned: {partitions: TopicPartition[]}
  'job:running': JobRef
  'job:done': JobRef & {durationMs: number}
  'job:failed': JobRef & {
    durationMs: number
    error: ErrorSummary
    /** `retry`: it will run again after `delayMs`; `dead-letter`: it failed for good. */
    action: 'retry' | 'dead-letter'
    delayMs?: number
    reason?: DeadLetterReason
  }
  /** A middleware put the job back (rateLimited, withoutOverlapping...): it runs again after `delayMs`, as the same attempt. */
  'job:released': JobRef & {delayMs: number; reason: string}
  /** A unique job not run: another job with its unique id was pending when it was dispatched. */
  'job:skipped': JobRef & {uniqueId: string}
  /**
   * A line a job wrote with ctx.log. `late`: written by an attempt that had already ended (timed
   * out, its job ignoring ctx.signal), so it must not be read as the current attempt's.
   */
  'job:log': {job: string; id: string; attempt: number; message: string; late: boolean}
  /** A record that is not a job kq can run, sent to the dead-letter topic. */
  poison: TopicPartition & {queue: string; offset: number; reason: DeadLetterReason; error: ErrorSummary}
  /** Something worth a line that is not a job's result: a failed() hook that threw, a skipped group. */
  warning: {message: string}
  /** `kq pause` reached this worker, or the queue was paused when it started: its jobs wait. */
  paused: ControlRef & {queue: string; topic: string}
  /** `kq continue`: the queue's jobs start again. */
  continued: ControlRef & {queue: string; topic: string}
  /** `kq restart` was asked after this worker started: it stops as on SIGTERM, and exits 0. */
  restart: ControlRef
  'broker:lost': {error: ErrorSummary}
  'broker:restored': Record<string, never>
  stopping: {reason: StopReason}
  stopped: WorkerSummary
}

/** An EventEmitter whose events and payloads are typed by WorkerEvents. */
export class WorkerEmitter extends EventEmitter {
  override on<E extends keyof WorkerEvents>(event: E, listener: (payload: WorkerEvents[E]) => void): this {
    return super.on(event, listener)
  }

  override emit<E extends keyof WorkerEvents>(event: E, payload: WorkerEvents[E]): boolean {
    return super.emit(event, payload)
  }
}
