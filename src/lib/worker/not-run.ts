import {type QueueTopics} from '../config/index.js'
import {deadLetterRecord} from '../dead-letter/record.js'
import {type JobEnvelope, type Keyring} from '../envelope/index.js'
import {type UniqueMark} from '../envelope/unique.js'
import {FAILURE_HEADERS, type FailureContext} from '../failure/headers.js'
import {type UnknownJobError} from '../jobs/registry.js'
import {type IncomingMessage} from '../kafka/index.js'
import {type DeadLetterReason, decideForUnknownJob} from '../retry/index.js'
import {retryRecord} from '../retry/record.js'
import {type BatchEnds} from './batch.js'
import {type WorkerEmitter, errorSummary, jobRef} from './events.js'
import {type FailureWriter} from './failure-writer.js'
import {type WorkerOptions} from './options.js'
import {type UnknownJobsLeft} from './unknown-left.js'

export interface NotRunDeps {
  options: WorkerOptions
  writer: FailureWriter
  batchEnds: BatchEnds
  events: WorkerEmitter
  topicsOf(topic: string): QueueTopics
  maxMessageBytes: number
  /** host:pid, for the failure headers. */
  worker: string
  /** Where the retries of unknown jobs are noted, with --stop-when-empty. */
  unknownLeft?: UnknownJobsLeft
  /** The key an encrypted job's error headers are encrypted with (see failureContext). */
  keyring?: Keyring
}

/**
 * The records that end without running their job: poison (dead-lettered at once), jobs this
 * worker does not know (tried again later), and duplicates of a unique job (skipped).
 */
export class NotRun {
  constructor(private readonly deps: NotRunDeps) {}

  /** A duplicate of a unique job held now: committed without running. */
  skipDuplicate(message: IncomingMessage, envelope: JobEnvelope, mark: UniqueMark): void {
    const ref = jobRef(message, envelope, envelope.attempt, envelope.maxTries ?? this.deps.options.tries)
    this.deps.events.emit('job:skipped', {...ref, uniqueId: mark.id})
  }

  /**
   * A job this worker does not know: tried again later, by whichever worker takes it then,
   * until the grace time since it first failed is over; then dead-lettered as `unknown-job`.
   * Always through a retry record, even with --retry-in-place: this worker will not learn the
   * job by waiting.
   */
  async unknownJob(message: IncomingMessage, envelope: JobEnvelope, error: UnknownJobError): Promise<'poisoned' | 'retried'> {
    const now = Date.now()
    const firstFailed = Date.parse(message.headers[FAILURE_HEADERS.firstFailedAt] ?? '')
    const decision = decideForUnknownJob({
      attempt: envelope.attempt,
      firstFailedAt: Number.isNaN(firstFailed) ? now : firstFailed,
      graceMs: this.deps.options.unknownJobGrace * 1000,
      now,
    })
    if (decision.action === 'dead-letter') {
      const grace = this.deps.options.unknownJobGrace
      const given = grace > 0 ? Object.assign(new Error(`${error.message} (tried for ${grace}s: is every worker deployed with it?)`), {name: error.name}) : error
      await this.poison(message, 'unknown-job', given, envelope)
      return 'poisoned'
    }

    const record = retryRecord(envelope, {attempt: decision.nextAttempt, dueAt: decision.dueAt}, {
      ...this.failureContext(message, {error}),
      maxMessageBytes: this.deps.maxMessageBytes,
    })
    const written = await this.deps.writer.writeRetry(message.topic, decision.delayMs, record)
    this.deps.unknownLeft?.add(written, envelope.job)
    const ref = jobRef(message, envelope, envelope.attempt, envelope.maxTries ?? this.deps.options.tries)
    this.deps.events.emit('job:failed', {...ref, durationMs: 0, error: errorSummary(error), action: 'retry', delayMs: decision.delayMs})
    return 'retried'
  }

  /**
   * A record kq cannot run as a job: straight to the dead-letter topic, and the worker goes on.
   * `attempts` are those made: unless one just ran, none on this delivery, only those before it.
   */
  async poison(
    message: IncomingMessage,
    reason: DeadLetterReason,
    error: unknown,
    envelope?: JobEnvelope,
    attempts = envelope ? envelope.attempt - 1 : 0,
  ): Promise<void> {
    // A schema's refusal may quote the decrypted payload; kq's own reasons (no key, a changed
    // payload, an unknown job) do not, and say what to do, so they stay readable.
    const quotesPayload = reason === 'invalid-payload' ? envelope : undefined
    await this.deps.writer.writeDeadLetter(message, deadLetterRecord({...this.failureContext(message, {error}, quotesPayload), reason, attempts, envelope}))
    // A batch's job that can never run has ended as surely as one that failed for good.
    if (envelope?.batch !== undefined) await this.deps.batchEnds.jobEnded(envelope, false)
    const {queue} = this.deps.topicsOf(message.topic)
    const {topic, partition, offset} = message
    this.deps.events.emit('poison', {topic, partition, queue, offset, reason, error: errorSummary(error)})
  }

  /**
   * What the failure headers of a retry or dead letter of this record say. The error of a job that
   * ran with an encrypted payload may quote it: its message and stack are then encrypted too.
   */
  failureContext(message: IncomingMessage, outcome: {error?: unknown}, ran?: JobEnvelope): FailureContext {
    const {keyring} = this.deps
    return {
      source: message,
      error: outcome.error,
      group: this.deps.options.group,
      worker: this.deps.worker,
      now: new Date(),
      ...(ran?.encrypted !== undefined && keyring !== undefined && {seal: {key: keyring.current, binding: {id: ran.id, job: ran.job}}}),
    }
  }
}
