import {type DispatchOptions, type DispatchReceipt, type JobDefaults} from '../dispatch/types.js'
import {type StandardSchemaV1} from '../schema/standard.js'

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

  /** Does the work. Throw to fail the attempt; throw FatalJobError to fail for good. */
  abstract handle(payload: P, ctx: JobContext): Promise<unknown> | unknown

  /** Runs once, after the last failed attempt, when the job is dead-lettered. */
  failed?(payload: P, error: unknown, ctx: JobContext): Promise<unknown> | unknown

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
    const {dispatchJob} = await import('../dispatch/index.js')
    return dispatchJob(jobDefaults(this as unknown as JobClass), payload, options)
  }
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
  return {
    name: jobNameOf(jobClass),
    queue: instance.queue,
    tries: instance.tries,
    timeout: instance.timeout,
    backoff: backoff === undefined ? undefined : Array.isArray(backoff) ? backoff : [backoff],
    schema: instance.schema,
    ...(instance.encrypted === true && {encrypted: true}),
  }
}
