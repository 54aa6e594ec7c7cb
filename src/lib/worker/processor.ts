import {setTimeout as sleep} from 'node:timers/promises'

import {type KafkaConnectionConfig, type QueueTopics} from '../config/index.js'
import {deadLetterRecord} from '../dead-letter/record.js'
import {type JobEnvelope, type Keyring, decodeEnvelope, openPayload} from '../envelope/index.js'
import {UNIQUE_HEADERS, type UniqueMark} from '../envelope/unique.js'
import {FAILURE_HEADERS, type FailureContext, describeError} from '../failure/headers.js'
import {type JobClass, type JobContext} from '../jobs/job.js'
import {type JobRegistry, UnknownJobError} from '../jobs/registry.js'
import {type IncomingMessage, type OutgoingMessage, type Publisher} from '../kafka/index.js'
import {type DeadLetterReason, backoffSeconds, decideAfterFailure, decideForUnknownJob} from '../retry/index.js'
import {retryRecord} from '../retry/record.js'
import {checkPayload} from '../schema/validate.js'
import {isTracingRegistered, runInSpan} from '../trace/otel.js'
import {TRACE_HEADERS} from '../trace/traceparent.js'
import {type AttemptOutcome, runAttempt} from './attempt.js'
import {type WorkerEmitter, errorSummary, jobRef} from './events.js'
import {FailureWriter} from './failure-writer.js'
import {resolveJobSettings} from './job-settings.js'
import {type WorkerOptions} from './options.js'
import {UniqueLocks} from './unique.js'
import {chainCatchJob, nextInChain} from './chain.js'
import {FollowUps} from './follow-ups.js'
import {BatchEnds} from './batch.js'

export {PublishFailedError} from './failure-writer.js'

/**
 * What became of one attempt, for the worker's counts; `poisoned`: a record that never ran,
 * dead-lettered as not a job kq can run.
 * `interrupted`: a retry in place cut short by a stop; its record must stay unresolved.
 * `released`: put back by a middleware to run later, as the same attempt; `skipped`: a
 * duplicate of a unique job, not run.
 */
export type Handled = 'done' | 'retried' | 'dead-lettered' | 'poisoned' | 'interrupted' | 'released' | 'skipped'

export interface ProcessorDeps {
  options: WorkerOptions
  registry: JobRegistry
  publisher: Publisher
  events: WorkerEmitter
  /** The topics of each queue, by queue topic and by retry topic. */
  topicsOf(topic: string): QueueTopics
  maxMessageBytes: number
  /** Keys of encrypted payloads; without, an encrypted job is dead-lettered as undecryptable. */
  keyring?: Keyring
  /** host:pid, for the failure headers. */
  worker: string
  /** Fired when the worker is asked to stop: handed to jobs as ctx.stopping. */
  stopping: AbortSignal
  /** This worker's share (0 to 1) of the partitions of the queue a topic belongs to, for middleware. */
  share(topic: string): number
  /** The topic of any queue, for the next job of a chain. */
  topicOfQueue(queue: string): string
  /** Where the end of a batch's job is reported: the batch topic, and how to read it back. */
  batches: {connection: KafkaConnectionConfig; topic: string; readerGroup: string}
}

/**
 * Takes one record from fetch to its end: decode, find the job, run the attempt, and then
 * resolve it one of three ways: done, a retry record on the retry topic, or a dead letter. The
 * record may be resolved (its offset committed) only after this returns: a retry record or dead
 * letter has then been acknowledged by every in-sync replica.
 */
export class JobProcessor {
  private readonly writer: FailureWriter
  private readonly followUps: FollowUps
  private readonly batchEnds: BatchEnds
  /** Middleware state shared by all the jobs this worker runs. */
  private readonly store = new Map<string, unknown>()
  private readonly unique = new UniqueLocks()

  constructor(private readonly deps: ProcessorDeps) {
    this.writer = new FailureWriter({...deps, brokerTimeout: deps.options.brokerTimeout})
    this.followUps = new FollowUps({...deps, writer: this.writer, group: deps.options.group})
    this.batchEnds = new BatchEnds({
      ...deps.batches,
      write: async (topic, record, options) => this.writer.write(topic, record, options),
      dispatch: async (followUp) => this.followUps.dispatch(followUp),
    })
  }

  /** Closes the batch topic's reader, if a batch's job opened it. */
  async close(): Promise<void> {
    await this.batchEnds.close()
  }

  /**
   * What became of the record: one entry per attempt that ran (several when retried in place),
   * or one for a record that was skipped or dead-lettered without running.
   */
  async process(message: IncomingMessage): Promise<readonly Handled[]> {
    let envelope: JobEnvelope
    try {
      envelope = decodeEnvelope(message.value, {maxBytes: this.deps.maxMessageBytes})
    } catch (error) {
      await this.poison(message, 'malformed', error)
      return ['poisoned']
    }

    // Once loaded, a class is at hand without a wait: this runs for every record.
    let jobClass = this.deps.registry.loadedClass(envelope.job)
    if (jobClass === undefined) {
      try {
        jobClass = await this.deps.registry.load(envelope.job)
      } catch (error) {
        if (error instanceof UnknownJobError) return this.unknownJob(message, envelope, error)
        await this.poison(message, 'unknown-job', error, envelope)
        return ['poisoned']
      }
    }

    // Awaited rather than returned: an async function returning a promise takes extra turns.
    return await this.runJob(message, envelope, jobClass)
  }

  private async runJob(message: IncomingMessage, envelope: JobEnvelope, jobClass: JobClass): Promise<readonly Handled[]> {
    const {options, events} = this.deps
    let instance
    try {
      instance = new jobClass()
    } catch (error) {
      await this.poison(message, 'unknown-job', error, envelope)
      return ['poisoned']
    }

    // An encrypted payload that does not decrypt (no key, or changed since) never runs.
    let given = envelope.payload
    if (envelope.encrypted !== undefined) {
      try {
        given = openPayload(envelope, this.deps.keyring)
      } catch (error) {
        await this.poison(message, 'undecryptable', error, envelope)
        return ['poisoned']
      }
    }

    // A payload the job's schema refuses never runs; a job without a schema pays one property check.
    const checked = instance.schema === undefined ? undefined : await checkPayload(instance.schema, given, envelope.job)
    if (checked?.ok === false) {
      await this.poison(message, 'invalid-payload', checked.error, envelope)
      return ['poisoned']
    }

    const payload = checked === undefined ? given : checked.value
    // Most jobs are not unique: one header check, and nothing else, for them.
    const unique = message.headers[UNIQUE_HEADERS.id] === undefined ? undefined : this.unique.claimRecord(message, envelope, this.deps.topicsOf(message.topic).topic)
    if (unique?.claim === 'duplicate') return this.skipDuplicate(message, envelope, unique.mark)
    if (unique?.mark.untilProcessing) unique.end()
    // Made only for a job with middleware: most jobs have none, and this runs for every record.
    const scope =
      instance.middleware === undefined ? undefined : {key: message.key?.toString() ?? null, share: this.deps.share(message.topic), store: this.store}

    // Attempts retried in place, before the one that ends the record.
    const retriedInPlace: Handled[] = []

    const {maxTries, backoff, timeout} = resolveJobSettings(envelope, instance, options)
    let attempt = envelope.attempt
    for (;;) {
      const thisAttempt = attempt
      let ended = false
      const context: Omit<JobContext, 'signal'> = {
        id: envelope.id,
        job: envelope.job,
        queue: envelope.queue,
        attempt,
        maxTries,
        stopping: this.deps.stopping,
        traceparent: message.headers[TRACE_HEADERS.traceparent],
        log: (line: string) =>
          events.emit('job:log', {job: envelope.job, id: envelope.id, attempt: thisAttempt, message: String(line), late: ended}),
      }
      // Nobody listens to a job's start and end under --quiet: its event is then not even made.
      if (events.listenerCount('job:running') > 0) events.emit('job:running', jobRef(message, envelope, attempt, maxTries))
      // A span per attempt only when an OpenTelemetry SDK is registered: else not even a closure.
      const outcome = isTracingRegistered()
        ? await runInSpan(message, {job: envelope.job, id: envelope.id, attempt}, async (traceparent) => runAttempt(instance, payload, {...context, traceparent}, timeout, scope))
        : await runAttempt(instance, payload, context, timeout, scope)
      ended = true
      if (!outcome.ok && outcome.released) {
        await this.followUps.release(message, {...envelope, attempt}, jobRef(message, envelope, attempt, maxTries), outcome.released)
        return [...retriedInPlace, 'released']
      }

      if (outcome.ok) {
        unique?.end()
        if (envelope.chain !== undefined) await this.followUps.dispatch(nextInChain(envelope, new Date()))
        if (envelope.batch !== undefined) await this.batchEnds.jobEnded(envelope, true)
        if (events.listenerCount('job:done') > 0) {
          events.emit('job:done', {...jobRef(message, envelope, attempt, maxTries), durationMs: outcome.durationMs})
        }

        return retriedInPlace.length === 0 ? DONE : [...retriedInPlace, 'done']
      }

      const ref = jobRef(message, envelope, attempt, maxTries)
      const decision = decideAfterFailure({
        attempt,
        maxTries,
        backoff,
        fatal: outcome.fatal,
        timedOut: outcome.timedOut,
        now: Date.now(),
      })
      const failure = {...ref, durationMs: outcome.durationMs, error: errorSummary(outcome.error)}
      if (decision.action === 'dead-letter') {
        unique?.end()
        await this.writer.writeDeadLetter(
          message,
          deadLetterRecord({...this.failureContext(message, outcome), reason: decision.reason, attempts: attempt, envelope}),
        )
        await this.followUps.dispatch(chainCatchJob(envelope, outcome.error, new Date()))
        if (envelope.batch !== undefined) await this.batchEnds.jobEnded(envelope, false)
        events.emit('job:failed', {...failure, action: 'dead-letter', reason: decision.reason})
        await this.runFailedHook(instance, envelope, payload, outcome, {...context, signal: AbortSignal.timeout(timeout * 1000)})
        return [...retriedInPlace, 'dead-lettered']
      }

      if (!options.retryInPlace) {
        let record: OutgoingMessage
        try {
          record = retryRecord(envelope, {attempt: decision.nextAttempt, dueAt: decision.dueAt}, {
            ...this.failureContext(message, outcome),
            maxMessageBytes: this.deps.maxMessageBytes,
          })
        } catch (error) {
          // The job cannot be written back (its payload no longer encodes): keep it as it came.
          await this.poison(message, 'malformed', error, envelope, attempt)
          return ['dead-lettered']
        }

        await this.writer.writeRetry(message.topic, decision.delayMs, record)
        events.emit('job:failed', {...failure, action: 'retry', delayMs: decision.delayMs})
        return ['retried']
      }

      events.emit('job:failed', {...failure, action: 'retry', delayMs: decision.delayMs})
      retriedInPlace.push('retried')
      // Strict order: wait here, holding this key back, then try again. The batch keeps
      // heartbeating meanwhile, so the group does not think the worker died.
      try {
        await sleep(backoffSeconds(attempt, backoff) * 1000, undefined, {signal: this.deps.stopping})
      } catch {
        // Stopping: this record stays unresolved and runs again on the next worker, from its
        // first attempt, as any record a stopped worker had not finished.
        return [...retriedInPlace, 'interrupted']
      }

      attempt = decision.nextAttempt
    }
  }

  private skipDuplicate(message: IncomingMessage, envelope: JobEnvelope, mark: UniqueMark): readonly Handled[] {
    const ref = jobRef(message, envelope, envelope.attempt, envelope.maxTries ?? this.deps.options.tries)
    this.deps.events.emit('job:skipped', {...ref, uniqueId: mark.id})
    return SKIPPED
  }

  /**
   * A job this worker does not know: tried again later, by whichever worker takes it then,
   * until the grace time since it first failed is over; then dead-lettered as `unknown-job`.
   * Always through a retry record, even with --retry-in-place: this worker will not learn the
   * job by waiting.
   */
  private async unknownJob(message: IncomingMessage, envelope: JobEnvelope, error: UnknownJobError): Promise<readonly Handled[]> {
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
      return ['poisoned']
    }

    const record = retryRecord(envelope, {attempt: decision.nextAttempt, dueAt: decision.dueAt}, {
      ...this.failureContext(message, {error}),
      maxMessageBytes: this.deps.maxMessageBytes,
    })
    await this.writer.writeRetry(message.topic, decision.delayMs, record)
    const ref = jobRef(message, envelope, envelope.attempt, envelope.maxTries ?? this.deps.options.tries)
    this.deps.events.emit('job:failed', {...ref, durationMs: 0, error: errorSummary(error), action: 'retry', delayMs: decision.delayMs})
    return ['retried']
  }

  /**
   * A record kq cannot run as a job: straight to the dead-letter topic, and the worker goes on.
   * `attempts` are those made: unless one just ran, none on this delivery, only those before it.
   */
  private async poison(
    message: IncomingMessage,
    reason: DeadLetterReason,
    error: unknown,
    envelope?: JobEnvelope,
    attempts = envelope ? envelope.attempt - 1 : 0,
  ): Promise<void> {
    await this.writer.writeDeadLetter(message, deadLetterRecord({...this.failureContext(message, {error}), reason, attempts, envelope}))
    // A batch's job that can never run has ended as surely as one that failed for good.
    if (envelope?.batch !== undefined) await this.batchEnds.jobEnded(envelope, false)
    const {queue} = this.deps.topicsOf(message.topic)
    const {topic, partition, offset} = message
    this.deps.events.emit('poison', {topic, partition, queue, offset, reason, error: errorSummary(error)})
  }

  private async runFailedHook(
    instance: InstanceType<JobClass>,
    envelope: JobEnvelope,
    payload: unknown,
    outcome: AttemptOutcome,
    context: JobContext,
  ): Promise<void> {
    if (typeof instance.failed !== 'function') return
    try {
      await instance.failed(payload, outcome.ok ? undefined : outcome.error, context)
    } catch (error) {
      this.deps.events.emit('warning', {
        message: `failed() of ${envelope.job} ${envelope.id} threw: ${describeError(error).message}`,
      })
    }
  }

  /** Writes a record, acknowledged by every in-sync replica (see FailureWriter.write). */
  async write(topic: string, record: OutgoingMessage): Promise<void> {
    await this.writer.write(topic, record)
  }

  private failureContext(message: IncomingMessage, outcome: {error?: unknown}): FailureContext {
    return {
      source: message,
      error: outcome.error,
      group: this.deps.options.group,
      worker: this.deps.worker,
      now: new Date(),
    }
  }
}

const DONE: readonly Handled[] = Object.freeze(['done'])
const SKIPPED: readonly Handled[] = Object.freeze(['skipped'])
