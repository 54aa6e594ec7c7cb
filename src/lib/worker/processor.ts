import {setTimeout as sleep} from 'node:timers/promises'

import {type KafkaConnectionConfig, type QueueTopics} from '../config/index.js'
import {deadLetterRecord} from '../dead-letter/record.js'
import {type JobEnvelope, type Keyring, decodeEnvelope} from '../envelope/index.js'
import {describeError} from '../failure/headers.js'
import {type JobClass, type JobContext} from '../jobs/job.js'
import {type JobRegistry, UnknownJobError} from '../jobs/registry.js'
import {type IncomingMessage, type OutgoingMessage, type Publisher} from '../kafka/index.js'
import {backoffSeconds, decideAfterFailure} from '../retry/index.js'
import {retryRecord} from '../retry/record.js'
import {isTracingRegistered, runInSpan} from '../trace/otel.js'
import {TRACE_HEADERS} from '../trace/traceparent.js'
import {type AttemptOutcome, runAttempt} from './attempt.js'
import {type WorkerEmitter, errorSummary, jobDone, jobRef} from './events.js'
import {FailureWriter} from './failure-writer.js'
import {resolveJobSettings} from './job-settings.js'
import {type WorkerOptions} from './options.js'
import {UniqueLocks} from './unique.js'
import {chainCatchJob, nextInChain} from './chain.js'
import {FollowUps} from './follow-ups.js'
import {BatchEnds} from './batch.js'
import {NotRun} from './not-run.js'
import {type PreRunDeps, preRun} from './pre-run.js'
import {type UnknownJobsLeft} from './unknown-left.js'

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
  /** Where the retries of jobs this worker does not know are noted, with --stop-when-empty. */
  unknownLeft?: UnknownJobsLeft
  /** Where the end of a batch's job is reported: the batch topic, and how to read it back. */
  batches: {connection: KafkaConnectionConfig; topic: string; readerGroup: string}
  /** The partitions of a topic that no broker leads now; empty when it cannot tell. */
  withoutLeader?(topic: string): Promise<number[]>
  /** Told when a write starts or stops waiting for a leader (see writesWaiting). */
  writesWaitingChanged?(): void
}

/**
 * Takes one record from fetch to its end: decode, find the job, run the attempt, and then
 * resolve it one of three ways: done, a retry record on the retry topic, or a dead letter. The
 * record may be resolved (its offset committed) only after this returns: a retry record or dead
 * letter has then been acknowledged by every in-sync replica.
 */
export class JobProcessor {
  private readonly writer: FailureWriter
  private readonly mover: FailureWriter
  private readonly followUps: FollowUps
  private readonly batchEnds: BatchEnds
  private readonly preRunDeps: PreRunDeps
  private readonly notRun: NotRun

  constructor(private readonly deps: ProcessorDeps) {
    this.preRunDeps = {
      keyring: deps.keyring,
      unique: new UniqueLocks(),
      store: new Map(),
      share: (topic) => deps.share(topic),
      queueTopicOf: (topic) => deps.topicsOf(topic).topic,
    }
    this.writer = new FailureWriter({...deps, brokerTimeout: deps.options.brokerTimeout, waitingChanged: deps.writesWaitingChanged})
    // Moves down the delay ladder hold no slot, so their waits must not free one (see write).
    this.mover = new FailureWriter({...deps, brokerTimeout: deps.options.brokerTimeout})
    this.followUps = new FollowUps({...deps, writer: this.writer, group: deps.options.group})
    this.batchEnds = new BatchEnds({
      ...deps.batches,
      write: async (topic, record, options) => this.writer.write(topic, record, options),
      dispatch: async (followUp) => this.followUps.dispatch(followUp),
    })
    this.notRun = new NotRun({...deps, writer: this.writer, batchEnds: this.batchEnds})
  }

  /**
   * Records whose retry, dead letter or move waits for a partition to have a leader again: their
   * jobs have run, so they hold no slot while they wait.
   */
  get writesWaiting(): number {
    return this.writer.waiting
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
      await this.notRun.poison(message, 'malformed', error)
      return ['poisoned']
    }

    // Once loaded, a class is at hand without a wait: this runs for every record.
    let jobClass = this.deps.registry.loadedClass(envelope.job)
    if (jobClass === undefined) {
      try {
        jobClass = await this.deps.registry.load(envelope.job)
      } catch (error) {
        if (error instanceof UnknownJobError) return [await this.notRun.unknownJob(message, envelope, error)]
        await this.notRun.poison(message, 'unknown-job', error, envelope)
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
      await this.notRun.poison(message, 'unknown-job', error, envelope)
      return ['poisoned']
    }

    const cleared = await preRun(message, envelope, instance, this.preRunDeps)
    if (cleared.verdict === 'poison') {
      await this.notRun.poison(message, cleared.reason, cleared.error, envelope)
      return ['poisoned']
    }

    if (cleared.verdict === 'skip') {
      this.notRun.skipDuplicate(message, envelope, cleared.mark)
      return SKIPPED
    }
    const {payload, unique, scope} = cleared

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
        if (cleared.chain !== undefined) await this.followUps.dispatch(nextInChain(envelope, cleared.chain, new Date(), this.deps.keyring?.current))
        if (envelope.batch !== undefined) await this.batchEnds.jobEnded(envelope, true)
        if (events.listenerCount('job:done') > 0) {
          events.emit('job:done', jobDone(message, envelope, attempt, maxTries, outcome.durationMs))
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
          deadLetterRecord({...this.notRun.failureContext(message, outcome, envelope), reason: decision.reason, attempts: attempt, envelope}),
        )
        await this.followUps.dispatch(chainCatchJob(envelope, payload, outcome.error, new Date(), this.deps.keyring?.current))
        if (envelope.batch !== undefined) await this.batchEnds.jobEnded(envelope, false)
        events.emit('job:failed', {...failure, action: 'dead-letter', reason: decision.reason})
        // failed() runs after the last attempt by design: its lines are its own, never late ones.
        const log = (line: string) =>
          events.emit('job:log', {job: envelope.job, id: envelope.id, attempt: thisAttempt, message: String(line), late: false})
        await this.runFailedHook(instance, envelope, payload, outcome, {...context, log, signal: AbortSignal.timeout(timeout * 1000)})
        return [...retriedInPlace, 'dead-lettered']
      }

      if (!options.retryInPlace) {
        let record: OutgoingMessage
        try {
          record = retryRecord(envelope, {attempt: decision.nextAttempt, dueAt: decision.dueAt}, {
            ...this.notRun.failureContext(message, outcome, envelope),
            maxMessageBytes: this.deps.maxMessageBytes,
          })
        } catch (error) {
          // The job cannot be written back (its payload no longer encodes): keep it as it came.
          await this.notRun.poison(message, 'malformed', error, envelope, attempt)
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

  /**
   * Writes a record moved down the delay ladder, acknowledged by every in-sync replica (see
   * FailureWriter.write). A move holds no slot: its wait for a leader is not among writesWaiting.
   */
  async write(topic: string, record: OutgoingMessage): Promise<void> {
    await this.mover.write(topic, record)
  }
}

const DONE: readonly Handled[] = Object.freeze(['done'])
const SKIPPED: readonly Handled[] = Object.freeze(['skipped'])
