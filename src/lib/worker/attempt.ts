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
  // Made when the job first reads ctx.signal: most jobs never do, and an AbortController per
  // job is a measurable share of a no-op job's cost.
  let controller: AbortController | undefined
  let timeoutError: JobTimeoutError | undefined
  const signal = () => {
    controller ??= new AbortController()
    if (timeoutError !== undefined && !controller.signal.aborted) controller.abort(timeoutError)
    return controller.signal
  }

  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timeoutError = new JobTimeoutError(timeoutSeconds)
      controller?.abort(timeoutError)
      reject(timeoutError)
    }, Math.min(timeoutSeconds * 1000, MAX_TIMER_MS))
  })
  const jobContext = Object.defineProperty({...context}, 'signal', {get: signal, enumerable: true}) as JobContext
  try {
    // Promise.resolve().then turns a synchronous throw into a rejection like any other.
    const handled = Promise.resolve().then(() => job.handle(payload, jobContext))
    await Promise.race([handled, timedOut])
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
    // A losing branch of the race must not surface later as an unhandled rejection.
    timedOut.catch(() => {})
  }
}
