import {randomUUID} from 'node:crypto'

import {type Job, type JobContext, isFatalError, jobNameOf} from '../jobs/job.js'
import {middlewareContext, middlewareOf, runThrough} from '../jobs/middleware.js'
import {isRelease} from '../jobs/release.js'
import {type DeadLetterReason, decideAfterFailure, resolveMaxTries} from '../retry/index.js'
import {checkPayload} from '../schema/validate.js'
import {JobTimeoutError} from '../worker/attempt.js'
import {WORKER_SETTINGS} from '../worker/settings.js'
import {type JobClassOf, type PayloadOf} from './types.js'

/** The attempt a test runs: what the job's context says. */
export interface RunJobOptions {
  /** @defaultValue 1 */
  attempt?: number
  /** @defaultValue the job's `tries`, else the worker's default (1) */
  maxTries?: number
  /** Handed to the job as ctx.signal, besides the timeout's own abort. */
  signal?: AbortSignal
  /** Handed to the job as ctx.stopping: abort it to act out a worker asked to stop. */
  stopping?: AbortSignal
  /** Seconds before the attempt counts as timed out. @defaultValue the job's `timeout`, else 60 */
  timeout?: number
  /** @defaultValue a random id */
  id?: string
  /** @defaultValue the job's `queue`, else 'default' */
  queue?: string
  /** The message key, as middleware see it (ctx.key). @defaultValue null */
  key?: string | null
  /**
   * Middleware state, as one worker process keeps it across jobs: pass the same Map to several
   * runs to test a limit or a throttle. @defaultValue a new Map per run
   */
  store?: Map<string, unknown>
  /** The worker's share of the queue's partitions, as middleware see it (ctx.share). @defaultValue 1 */
  share?: number
}

/** What became of a run: as the worker would see it, without Kafka. */
export type JobRun =
  | {ok: true; logs: string[]; durationMs: number}
  | {
      ok: false
      logs: string[]
      durationMs: number
      error: unknown
      /** False when handle() never ran: the job's schema refused the payload, or a middleware released the job before it. */
      ran: boolean
      /** Set when a middleware or handle() released the job: it would run again after the delay, as the same attempt. */
      released?: {delayMs: number; reason: string}
      timedOut: boolean
      fatal: boolean
      /** What the worker would do next: try again, or dead-letter for this reason. */
      next:
        | {action: 'retry'; attempt: number; delayMs: number}
        | {action: 'release'; attempt: number; delayMs: number}
        | {action: 'dead-letter'; reason: DeadLetterReason}
    }

/**
 * Runs `handle()` once, as the worker does an attempt: the payload checked by the job's schema
 * first, through the job's middleware, with a real JobContext whose log lines are collected,
 * the timeout aborting ctx.signal. Never throws for what the job does; the result says what happened.
 */
export async function runJob<T extends Job<any>>(jobClass: JobClassOf<T>, payload: PayloadOf<T>, options: RunJobOptions = {}): Promise<JobRun> {
  return run(jobClass, payload, options, (job, value, ctx) => {
    const middleware = middlewareOf(job, ctx.job)
    if (middleware.length === 0) return job.handle(value, ctx)
    const scope = {key: options.key ?? null, share: options.share ?? 1, store: options.store ?? new Map<string, unknown>()}
    return runThrough(middleware, value, middlewareContext(ctx, scope), () => job.handle(value, ctx))
  })
}

/** Runs `failed()` as the worker does after a job's last failed attempt; ok if it has none. */
export async function runFailed<T extends Job<any>>(
  jobClass: JobClassOf<T>,
  payload: PayloadOf<T>,
  error: unknown,
  options: RunJobOptions = {},
): Promise<JobRun> {
  return run(jobClass, payload, options, (job, value, ctx) => job.failed?.(value, error, ctx))
}

async function run(
  jobClass: JobClassOf<Job<any>>,
  payload: unknown,
  options: RunJobOptions,
  body: (job: Job<any>, payload: unknown, ctx: JobContext) => unknown,
): Promise<JobRun> {
  const job = new jobClass()
  const attempt = options.attempt ?? 1
  const maxTries = resolveMaxTries(options.maxTries, job.tries, WORKER_SETTINGS.tries.default)
  const logs: string[] = []
  let value = payload
  if (job.schema !== undefined) {
    const checked = await checkPayload(job.schema, payload, jobNameOf(jobClass))
    if (!checked.ok) {
      const next = {action: 'dead-letter', reason: 'invalid-payload'} as const
      return {ok: false, logs, durationMs: 0, error: checked.error, ran: false, timedOut: false, fatal: false, next}
    }

    value = checked.value
  }

  const timeout = options.timeout ?? job.timeout ?? WORKER_SETTINGS.timeout.default
  const controller = new AbortController()
  const signal = options.signal === undefined ? controller.signal : AbortSignal.any([controller.signal, options.signal])
  const ctx: JobContext = {
    id: options.id ?? randomUUID(),
    job: jobNameOf(jobClass),
    queue: options.queue ?? job.queue ?? 'default',
    attempt,
    maxTries,
    signal,
    stopping: options.stopping ?? new AbortController().signal,
    log: (line) => logs.push(String(line)),
  }

  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  try {
    // As in the worker, the attempt ends at its timeout even if the job's code runs on.
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new JobTimeoutError(timeout)
        controller.abort(error)
        reject(error)
      }, timeout * 1000)
    })
    await Promise.race([Promise.resolve().then(() => body(job, value, ctx)), timedOut])
    return {ok: true, logs, durationMs: performance.now() - started}
  } catch (error) {
    const durationMs = performance.now() - started
    if (isRelease(error)) {
      const released = {delayMs: error.delayMs, reason: error.reason}
      return {ok: false, logs, durationMs, error, ran: error.byHandle === true, released, timedOut: false, fatal: false, next: {action: 'release', attempt, delayMs: error.delayMs}}
    }

    const timedOut = error instanceof JobTimeoutError
    const fatal = isFatalError(error)
    const backoff = job.backoff === undefined ? [] : Array.isArray(job.backoff) ? job.backoff : [job.backoff]
    const decision = decideAfterFailure({attempt, maxTries, backoff, fatal, timedOut, now: Date.now()})
    const next =
      decision.action === 'retry'
        ? ({action: 'retry', attempt: decision.nextAttempt, delayMs: decision.delayMs} as const)
        : ({action: 'dead-letter', reason: decision.reason} as const)
    return {ok: false, logs, durationMs, error, ran: true, timedOut, fatal, next}
  } finally {
    clearTimeout(timer)
  }
}
