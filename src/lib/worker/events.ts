import {EventEmitter} from 'node:events'

import {type TopicPartition} from '../kafka/index.js'
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

export type StopReason = 'signal' | 'max-jobs' | 'max-time' | 'memory' | 'empty' | 'broker-timeout' | 'error'

export interface WorkerSummary {
  /** Attempts that succeeded. */
  processed: number
  /** Attempts that failed (retried or dead-lettered). */
  failed: number
  /** Jobs sent to a dead-letter topic, poison messages included. */
  deadLettered: number
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
  /**
   * A line a job wrote with ctx.log. `late`: written by an attempt that had already ended (timed
   * out, its job ignoring ctx.signal), so it must not be read as the current attempt's.
   */
  'job:log': {job: string; id: string; attempt: number; message: string; late: boolean}
  /** A record that is not a job kq can run, sent to the dead-letter topic. */
  poison: TopicPartition & {offset: number; reason: DeadLetterReason; error: ErrorSummary}
  /** Something worth a line that is not a job's result: a failed() hook that threw, a skipped group. */
  warning: {message: string}
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
