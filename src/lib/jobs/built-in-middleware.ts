import {type JobMiddleware, type MiddlewareContext} from './job.js'
import {isRelease} from './release.js'
import {type Bucket, CLOSED, type Throttle, afterAttempt, heldFor, shareOfLimit, takeToken} from './limits.js'

/** A key given as text, or read off the payload. */
export type KeyOf<P> = string | ((payload: P) => string)

export type RateLimit<P> = ({perSecond: number; perMinute?: never} | {perMinute: number; perSecond?: never}) & {
  /** Jobs that share a limit: the same key, one limit. @defaultValue the job's class name */
  key?: KeyOf<P>
}

function keyFor<P>(key: KeyOf<P> | undefined, payload: P, ctx: MiddlewareContext): string {
  return key === undefined ? ctx.job : typeof key === 'function' ? String(key(payload)) : key
}

function positive(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TypeError(`${what} must be a number above 0, got ${String(value)}`)
  return value
}

/**
 * At most `perSecond` (or `perMinute`) jobs start, across the whole group: each worker takes
 * its share of the limit, the share of the queue's partitions it holds (see README "Job
 * middleware"). A job over the limit is released until its turn comes, without using a try.
 */
export function rateLimited<P = unknown>(limit: RateLimit<P>): JobMiddleware<P> {
  const perMs = limit.perSecond === undefined ? 60_000 : 1000
  const count = positive(limit.perSecond ?? limit.perMinute, limit.perSecond === undefined ? 'rateLimited perMinute' : 'rateLimited perSecond')
  return async (payload, ctx, next) => {
    const name = `rateLimited:${keyFor(limit.key, payload, ctx)}`
    const {rate, capacity} = shareOfLimit(count, perMs, ctx.share)
    const {bucket, waitMs} = takeToken(ctx.store.get(name) as Bucket | undefined, rate, capacity, Date.now())
    ctx.store.set(name, bucket)
    // A worker left with no share (its partitions just moved away) waits a period, not forever.
    if (waitMs > 0) ctx.release(Math.min(waitMs, perMs) / 1000, 'rateLimited')
    await next()
  }
}

/**
 * Two jobs with the same key never run at once. The key is also the message key, so all its
 * jobs share a partition, which one worker of the group holds and works one key at a time; in
 * each worker, a lock keeps them apart besides (see README "Job middleware" for the limits).
 * A job that finds its key taken is released for `releaseAfter` seconds.
 */
export function withoutOverlapping<P = unknown>(key: KeyOf<P>, options: {releaseAfter?: number} = {}): JobMiddleware<P> {
  const releaseAfter = options.releaseAfter === undefined ? 1 : positive(options.releaseAfter, 'withoutOverlapping releaseAfter')
  const middleware: JobMiddleware<P> = async (payload, ctx, next) => {
    const name = `withoutOverlapping:${typeof key === 'function' ? String(key(payload)) : key}`
    if (ctx.store.has(name)) ctx.release(releaseAfter, 'withoutOverlapping')
    ctx.store.set(name, true)
    try {
      await next()
    } finally {
      ctx.store.delete(name)
    }
  }

  middleware.recordKey = typeof key === 'function' ? (payload) => String(key(payload)) : () => key
  return middleware
}

/**
 * After `maxFailures` failed attempts in a row of this kind of job, its next jobs are released
 * for `decaySeconds` instead of run, sparing a downstream that is failing. Counted by each
 * worker process on its own; the failures themselves are retried or dead-lettered as usual.
 */
export function throttlesExceptions<P = unknown>(maxFailures: number, decaySeconds: number, options: {key?: KeyOf<P>} = {}): JobMiddleware<P> {
  const failuresAllowed = positive(maxFailures, 'throttlesExceptions maxFailures')
  const decayMs = positive(decaySeconds, 'throttlesExceptions decaySeconds') * 1000
  return async (payload, ctx, next) => {
    const name = `throttlesExceptions:${keyFor(options.key, payload, ctx)}`
    const throttle = (ctx.store.get(name) as Throttle | undefined) ?? CLOSED
    const wait = heldFor(throttle, Date.now())
    if (wait > 0) ctx.release(wait / 1000, 'throttlesExceptions')
    try {
      await next()
    } catch (error) {
      // A job released by a middleware inside this one did not fail.
      if (isRelease(error)) throw error
      ctx.store.set(name, afterAttempt((ctx.store.get(name) as Throttle | undefined) ?? CLOSED, true, failuresAllowed, decayMs, Date.now()))
      throw error
    }

    ctx.store.set(name, CLOSED)
  }
}
