import {type Job, type JobContext, isFatalError} from '../jobs/job.js'
import {type MiddlewareScope, middlewareContext, middlewareOf, runThrough} from '../jobs/middleware.js'
import {isRelease} from '../jobs/release.js'
import {Fifo} from './fifo.js'

/** Thrown into an attempt's signal when it runs past its timeout. */
export class JobTimeoutError extends Error {
  override name = 'JobTimeoutError'

  constructor(readonly seconds: number) {
    super(`the job ran longer than its timeout of ${seconds}s`)
  }
}

/**
 * The longest delay a Node timer holds (about 24.8 days); a longer one fires at once, which
 * would fail every attempt of a job with a long timeout after 1 ms.
 */
const MAX_TIMER_MS = 2 ** 31 - 1

interface Deadline {
  at: number
  expire?: () => void
  /** The deadlines of its timeout length, in order. */
  queue: Fifo<Deadline>
}

/**
 * Attempts' timeouts, with one timer per timeout length rather than one per attempt: a timer
 * each is a measurable share of a short job's cost. Attempts with one timeout length start in
 * order, so their deadlines come in order; a finished attempt's deadline is marked off, and
 * dropped with those before it once they are all off: what is kept is about what runs, not every
 * attempt of the last timeout's length (a million, at 20,000 jobs a second and 60 s).
 */
export class Deadlines {
  private readonly byLength = new Map<number, {queue: Fifo<Deadline>; timer?: NodeJS.Timeout}>()

  add(ms: number, expire: () => void): Deadline {
    let bucket = this.byLength.get(ms)
    if (!bucket) {
      bucket = {queue: new Fifo()}
      this.byLength.set(ms, bucket)
    }

    const deadline: Deadline = {at: Date.now() + ms, expire, queue: bucket.queue}
    bucket.queue.push(deadline)
    if (!bucket.timer) this.arm(ms, bucket, ms)
    return deadline
  }

  cancel(deadline: Deadline): void {
    deadline.expire = undefined
    const {queue} = deadline
    for (let head = queue.peek(); head !== undefined && head.expire === undefined; head = queue.peek()) queue.shift()
  }

  /** Deadlines kept, in all. */
  get pending(): number {
    let count = 0
    for (const {queue} of this.byLength.values()) count += queue.size
    return count
  }

  private arm(ms: number, bucket: {queue: Fifo<Deadline>; timer?: NodeJS.Timeout}, wait: number): void {
    bucket.timer = setTimeout(() => {
      bucket.timer = undefined
      const now = Date.now()
      for (let head = bucket.queue.peek(); head !== undefined; head = bucket.queue.peek()) {
        if (head.expire !== undefined && head.at > now) {
          this.arm(ms, bucket, head.at - now)
          return
        }

        bucket.queue.shift()
        head.expire?.()
      }

      this.byLength.delete(ms)
    }, Math.min(wait, MAX_TIMER_MS))
    // A worker with nothing running must be free to exit.
    bucket.timer.unref()
  }
}

const deadlines = new Deadlines()

/** The scope of an attempt run outside a worker that gave none: one process, every partition. */
const LONE_SCOPE: MiddlewareScope = {key: null, share: 1, store: new Map()}

export type AttemptOutcome =
  | {ok: true; durationMs: number}
  | {
      ok: false
      durationMs: number
      error: unknown
      timedOut: boolean
      fatal: boolean
      /** Set when a middleware released the job: it did not fail, it runs again after the delay. */
      released?: {delayMs: number; reason: string}
    }

/** The context of one attempt as a job sees it; its signal is made on first use. */
class AttemptContext implements JobContext {
  readonly id: string
  readonly job: string
  readonly queue: string
  readonly attempt: number
  readonly maxTries: number
  readonly stopping: AbortSignal
  readonly log: (message: string) => void
  // Declared, not initialised: a job without a traceparent has no such field, not one set to undefined.
  declare readonly traceparent?: string
  // An AbortController per job is a measurable share of a no-op job's cost, and most jobs
  // never read their signal: it is made when read, already aborted if the time is up.
  #controller?: AbortController
  #timeoutError?: JobTimeoutError

  constructor(init: Omit<JobContext, 'signal'>) {
    this.id = init.id
    this.job = init.job
    this.queue = init.queue
    this.attempt = init.attempt
    this.maxTries = init.maxTries
    this.stopping = init.stopping
    this.log = init.log
    if (init.traceparent !== undefined) this.traceparent = init.traceparent
  }

  get signal(): AbortSignal {
    this.#controller ??= new AbortController()
    if (this.#timeoutError !== undefined && !this.#controller.signal.aborted) this.#controller.abort(this.#timeoutError)
    return this.#controller.signal
  }

  timeOut(error: JobTimeoutError): void {
    this.#timeoutError = error
    this.#controller?.abort(error)
  }
}

/**
 * Runs one attempt of a job, never throwing: whatever the job's code does (throw, reject, hang
 * past its timeout) becomes an outcome. On timeout the attempt's signal fires and the attempt
 * counts as failed at once; a job that ignores its signal may go on running in the background,
 * which is why jobs should honour it.
 */
export async function runAttempt(
  job: Job<unknown>,
  payload: unknown,
  context: Omit<JobContext, 'signal'>,
  timeoutSeconds: number,
  scope?: MiddlewareScope,
): Promise<AttemptOutcome> {
  const started = performance.now()
  const jobContext = new AttemptContext(context)
  let deadline: Deadline | undefined
  try {
    // One promise settled by whichever comes first, the job or its timeout.
    await new Promise<void>((resolve, reject) => {
      deadline = deadlines.add(Math.min(timeoutSeconds * 1000, MAX_TIMER_MS), () => {
        const error = new JobTimeoutError(timeoutSeconds)
        jobContext.timeOut(error)
        reject(error)
      })
      let result: unknown
      try {
        // A job without middleware pays one property check for them.
        const middleware = job.middleware === undefined ? undefined : middlewareOf(job, context.job)
        result =
          middleware === undefined || middleware.length === 0
            ? job.handle(payload, jobContext)
            : runThrough(middleware, payload, middlewareContext(jobContext, scope ?? LONE_SCOPE), () => job.handle(payload, jobContext))
      } catch (error) {
        reject(error)
        return
      }

      if (result instanceof Promise || typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
        ;(result as PromiseLike<unknown>).then(() => resolve(), reject)
      } else {
        resolve()
      }
    })
    return {ok: true, durationMs: performance.now() - started}
  } catch (error) {
    const durationMs = performance.now() - started
    if (isRelease(error)) {
      return {ok: false, durationMs, error, timedOut: false, fatal: false, released: {delayMs: error.delayMs, reason: error.reason}}
    }

    return {
      ok: false,
      durationMs,
      error,
      timedOut: error instanceof JobTimeoutError,
      fatal: isFatalError(error),
    }
  } finally {
    if (deadline) deadlines.cancel(deadline)
  }
}
