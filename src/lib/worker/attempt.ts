import {type Job, type JobContext, isFatalError} from '../jobs/job.js'

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

export type AttemptOutcome =
  | {ok: true; durationMs: number}
  | {ok: false; durationMs: number; error: unknown; timedOut: boolean; fatal: boolean}

/** The context of one attempt as a job sees it; its signal is made on first use. */
class AttemptContext implements JobContext {
  readonly id: string
  readonly job: string
  readonly queue: string
  readonly attempt: number
  readonly maxTries: number
  readonly stopping: AbortSignal
  readonly log: (message: string) => void
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
): Promise<AttemptOutcome> {
  const started = performance.now()
  const jobContext = new AttemptContext(context)
  let timer: NodeJS.Timeout | undefined
  try {
    // One promise settled by whichever comes first, the job or its timeout.
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => {
        const error = new JobTimeoutError(timeoutSeconds)
        jobContext.timeOut(error)
        reject(error)
      }, Math.min(timeoutSeconds * 1000, MAX_TIMER_MS))
      let result: unknown
      try {
        result = job.handle(payload, jobContext)
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
    return {
      ok: false,
      durationMs: performance.now() - started,
      error,
      timedOut: error instanceof JobTimeoutError,
      fatal: isFatalError(error),
    }
  } finally {
    clearTimeout(timer)
  }
}
