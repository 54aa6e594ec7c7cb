import {type DispatchOptions, type DispatchReceipt, type JobDefaults, type PendingJob} from '../dispatch/types.js'
import {type StandardSchemaV1} from '../schema/standard.js'
import {jobReleased} from './release.js'

/**
 * Marks job classes across copies of kq: a job file imports `Job` from the application's own
 * kq, which may not be the copy running the worker, so `instanceof` cannot be trusted.
 */
export const JOB_BRAND = Symbol.for('kq.Job')

/** What a running job knows about its attempt, and how it reports. */
export interface JobContext {
  /** The job's id: the same on every attempt, and in the dead-letter record. */
  id: string
  /** The job's class name, as in the message. */
  job: string
  /** The queue it was taken from. */
  queue: string
  /** 1 on the first try, 2 on the first retry... */
  attempt: number
  /** Tries allowed in all; the attempt that reaches it is the last. */
  maxTries: number
  /** Fired when the attempt runs past its timeout: stop work and return (or throw). */
  signal: AbortSignal
  /**
   * Fired when the worker was asked to stop (SIGTERM, --max-time...). The attempt may still
   * finish within its timeout; a long job can use this to save its progress and return early.
   */
  stopping: AbortSignal
  /** A line for the worker's log, attributed to this job. */
  log(message: string): void
  /**
   * The W3C traceparent of this attempt: its own span's when an OpenTelemetry SDK is registered
   * (the span is active while handle() runs), else the one the job was dispatched with; absent
   * when the job carries none.
   */
  traceparent?: string
}

/**
 * What a middleware sees of an attempt: the job's context, and what it needs to limit, lock or
 * delay the job across the worker's jobs.
 */
export interface MiddlewareContext extends JobContext {
  /** The record's key (null when it has none): jobs of one key share a partition, and run in order. */
  key: string | null
  /**
   * This worker's share of its queue's partitions, from 0 to 1: a limit for the whole group is
   * multiplied by it, so that the workers' shares add up to the limit. 1 under runJob.
   */
  share: number
  /** State kept by this worker process for all the jobs it runs (counters, locks), by name. */
  store: Map<string, unknown>
  /**
   * Ends the attempt without running the rest: the job goes back to its queue and runs again
   * after `seconds`, as the same attempt (a release is not a try).
   */
  release(seconds: number, reason?: string): never
}

/**
 * Wraps a job's `handle()` (Laravel's job middleware): call `next()` to go on, `ctx.release()`
 * to put the job back for later, or throw to fail the attempt. Returning without either ends the
 * job as done, without running it.
 */
export type JobMiddleware<P = unknown> = MiddlewareFunction<P> & {
  /**
   * The record key that the middleware's guarantee across workers needs (withoutOverlapping's
   * key): `Job.dispatch` and `kq dispatch` use it as the message key.
   */
  recordKey?(payload: P): string
}

// Written as a method so that a Job<{id: number}> stays a Job<unknown> (methods' parameters are
// compared both ways), as it is for handle().
type MiddlewareFunction<P> = {run(payload: P, ctx: MiddlewareContext, next: () => Promise<void>): Promise<void> | void}['run']

/** The constructor of a job class, as the registry and the worker handle it. */
export interface JobClass<P = unknown> {
  new (): Job<P>
  /** Name in messages and in the registry; defaults to the class name (survives no minifier). */
  jobName?: string
  readonly [JOB_BRAND]: true
}

/**
 * The base of every job. Subclasses implement `handle`; the options are plain properties, read
 * at dispatch time and copied into the message, as Laravel does with a job's $tries.
 *
 *     export default class SendWelcomeEmail extends Job<{userId: number}> {
 *       tries = 3
 *       async handle(payload, ctx) { ... }
 *     }
 */
export abstract class Job<P = unknown> {
  static readonly [JOB_BRAND] = true as const
  /** Name in messages; set it when a bundler renames classes. */
  static jobName?: string

  /** Queue that `dispatch` sends to when the caller names none. */
  queue?: string
  /** Attempts in all before the job is dead-lettered; wins over `kq work --tries`. */
  tries?: number
  /** Seconds before each retry: one value, or one per retry with the last repeating. */
  backoff?: number | number[]
  /** Seconds an attempt may run before it is aborted and counted as failed. */
  timeout?: number
  /**
   * Encrypt the payload on Kafka (Laravel's ShouldBeEncrypted): AES-256-GCM under
   * KQ_ENCRYPTION_KEY, which dispatchers and workers must share. The job's name and id stay
   * readable; its payload is readable only where the key is, and dead letters keep it encrypted.
   */
  encrypted?: boolean
  /**
   * Checks the payload (any Standard Schema: zod, valibot, arktype, or a hand-written
   * `~standard` object): at dispatch, where a refused payload is not sent, and in the worker,
   * where it is dead-lettered as `invalid-payload` without running; `handle` gets its output.
   * Declared, not defined, so that a job without one costs the worker a single property check.
   */
  declare schema?: StandardSchemaV1<unknown, P>

  /**
   * Seconds the job stays unique after it is dispatched, when it has a `uniqueId`: a job of the
   * same class and id dispatched before the first has finished, and within this time, is
   * skipped. @defaultValue until the first finishes (or one hour, see README "Unique jobs")
   */
  uniqueFor?: number

  /**
   * With a `uniqueId`: let the id go when the job starts rather than when it ends (Laravel's
   * ShouldBeUniqueUntilProcessing), so that a job dispatched while it runs is not skipped.
   */
  uniqueUntilProcessing?: boolean

  /**
   * The id that makes a job unique (Laravel's ShouldBeUnique): a second dispatch with the same
   * id while the first is pending does not run. It is also the message key, so that duplicates
   * share a partition.
   */
  uniqueId?(payload: P): string

  /** Middleware that wrap `handle()`, outermost first (rateLimited, withoutOverlapping...). */
  middleware?(): Array<JobMiddleware<P>>

  /** Does the work. Throw to fail the attempt; throw FatalJobError to fail for good. */
  abstract handle(payload: P, ctx: JobContext): Promise<unknown> | unknown

  /** Runs once, after the last failed attempt, when the job is dead-lettered. */
  failed?(payload: P, error: unknown, ctx: JobContext): Promise<unknown> | unknown

  /**
   * Ends the attempt from handle() and puts the job back on its queue, to run again after
   * `seconds` (Laravel's `$this->release()`): `return this.release(10)`. Unlike Laravel's, it
   * is the same attempt, as a middleware's release is: it uses no try. Public, not protected: a
   * protected member would make Job nominal, and a job of another copy of kq no longer a Job.
   */
  release(seconds: number, reason = 'released'): never {
    throw jobReleased(seconds, reason, true)
  }

  /**
   * Puts a job on Kafka from application code, through the process's shared producer.
   *
   *     await SendWelcomeEmail.dispatch({userId: 42}, {key: 'user-42'})
   *     await SendReminder.dispatch({userId: 42}, {delay: '10m'}) // or {delay: 600}, {at: new Date(...)}
   */
  static async dispatch<T extends Job<any>>(
    this: (new () => T) & {jobName?: string; name: string},
    payload: T extends Job<infer P> ? P : never,
    options: DispatchOptions = {},
  ): Promise<DispatchReceipt> {
    const {dispatchJob} = dispatchLoaded ?? (await dispatching())
    return dispatchJob(jobDefaults(this as unknown as JobClass), payload, options)
  }

  /**
   * This job with its payload, not sent: a step of a chain.
   *
   *     await chain([ProcessPodcast.with({id: 7}), PublishPodcast.with({id: 7})]).dispatch()
   */
  static with<T extends Job<any>>(
    this: (new () => T) & {jobName?: string; name: string},
    payload: T extends Job<infer P> ? P : never,
  ): PendingJob {
    return {job: jobDefaults(this as unknown as JobClass), payload}
  }
}

let dispatchModule: Promise<typeof import('../dispatch/index.js')> | undefined
/** The same module once loaded: awaiting even a settled promise is a turn of the microtask queue per dispatch. */
let dispatchLoaded: typeof import('../dispatch/index.js') | undefined

/**
 * The dispatcher, loaded on the first dispatch: it imports this module, so it cannot be imported
 * here up front. Kept once loaded: importing a loaded module again still takes a trip through
 * Node's loader, a measurable share of an awaited dispatch.
 */
export async function dispatching(): Promise<typeof import('../dispatch/index.js')> {
  dispatchModule ??= import('../dispatch/index.js').then((loaded) => (dispatchLoaded = loaded))
  return dispatchModule
}

const FATAL_BRAND = Symbol.for('kq.FatalJobError')

/** Thrown by a job that must not be retried: it goes to the dead-letter topic at once. */
export class FatalJobError extends Error {
  override name = 'FatalJobError'
  readonly [FATAL_BRAND] = true
}

/** True for a FatalJobError from any copy of kq (the job's own kq may not be the worker's). */
export function isFatalError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[FATAL_BRAND] === true
}

export function isJobClass(value: unknown): value is JobClass {
  return typeof value === 'function' && (value as Partial<JobClass>)[JOB_BRAND] === true
}

export function jobNameOf(jobClass: {jobName?: string; name: string}): string {
  return jobClass.jobName ?? jobClass.name
}

/** A job class's dispatch defaults, read off a new instance as plain values for dispatch. */
export function jobDefaults(jobClass: JobClass): JobDefaults {
  const instance = new jobClass()
  const {backoff} = instance
  const recordKey = (typeof instance.middleware === 'function' ? instance.middleware() : []).find((each) => each.recordKey)?.recordKey
  const uniqueId = typeof instance.uniqueId === 'function' ? instance.uniqueId.bind(instance) : undefined
  return {
    name: jobNameOf(jobClass),
    queue: instance.queue,
    tries: instance.tries,
    timeout: instance.timeout,
    backoff: backoff === undefined ? undefined : Array.isArray(backoff) ? backoff : [backoff],
    schema: instance.schema,
    ...(instance.encrypted === true && {encrypted: true}),
    ...(recordKey && {recordKey}),
    ...(uniqueId && {unique: {id: uniqueId, seconds: positiveSeconds(instance.uniqueFor), untilProcessing: instance.uniqueUntilProcessing === true}}),
  }
}

function positiveSeconds(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined
}
