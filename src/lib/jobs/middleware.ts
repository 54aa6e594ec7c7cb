import {type JobContext, type JobMiddleware, type MiddlewareContext} from './job.js'
import {jobReleased} from './release.js'

/** What the worker (or runJob) tells middleware beyond the job's context. */
export interface MiddlewareScope {
  key: string | null
  share: number
  store: Map<string, unknown>
}

/** The job's context made a middleware's: with its scope and a release(). */
export function middlewareContext(ctx: JobContext, scope: MiddlewareScope): MiddlewareContext {
  return {
    id: ctx.id,
    job: ctx.job,
    queue: ctx.queue,
    attempt: ctx.attempt,
    maxTries: ctx.maxTries,
    stopping: ctx.stopping,
    log: ctx.log,
    // Read through: the worker makes an attempt's signal when first read.
    get signal() {
      return ctx.signal
    },
    ...scope,
    release(seconds: number, reason = 'released'): never {
      throw jobReleased(seconds, reason)
    },
  }
}

/**
 * Runs `handle` through the middleware, outermost first. A middleware that calls next() twice
 * is a bug that would run the job twice: the second call throws.
 */
export async function runThrough<P>(
  middleware: ReadonlyArray<JobMiddleware<P>>,
  payload: P,
  ctx: MiddlewareContext,
  handle: () => unknown,
): Promise<void> {
  const step = async (index: number): Promise<void> => {
    if (index === middleware.length) {
      await handle()
      return
    }

    let called = false
    await middleware[index](payload, ctx, async () => {
      if (called) throw new Error(`middleware ${index + 1} of ${ctx.job} called next() twice`)
      called = true
      await step(index + 1)
    })
  }

  await step(0)
}

/** A job instance's middleware, checked: user code, so anything may come back. */
export function middlewareOf(job: {middleware?: () => unknown}, jobName: string): Array<JobMiddleware<unknown>> {
  if (typeof job.middleware !== 'function') return []
  const list = job.middleware()
  if (!Array.isArray(list) || list.some((each) => typeof each !== 'function')) {
    throw new TypeError(`middleware() of ${jobName} must return an array of middleware functions`)
  }

  return list as Array<JobMiddleware<unknown>>
}
