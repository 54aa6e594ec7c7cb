import {MAX_DELAY_MS} from '../delay/ladder.js'

const RELEASE_BRAND = Symbol.for('kq.JobReleased')

/**
 * Thrown by a release (a middleware's ctx.release(), a job's this.release()): the attempt ends,
 * and the job runs again later as the same attempt.
 */
export class JobReleased extends Error {
  override name = 'JobReleased'
  readonly [RELEASE_BRAND] = true

  constructor(
    readonly delayMs: number,
    readonly reason: string,
    /** True when handle() released its job itself (so it ran), not a middleware before it. */
    readonly byHandle = false,
  ) {
    super(`released for ${delayMs} ms (${reason})`)
  }
}

/** True for a release from any copy of kq (a job's own kq may not be the worker's). */
export function isRelease(error: unknown): error is JobReleased {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[RELEASE_BRAND] === true
}

/** The release of `seconds`: no wait for nonsense (NaN, negative), never longer than a delay kq takes at dispatch. */
export function jobReleased(seconds: number, reason: string, byHandle = false): JobReleased {
  const delayMs = Number.isNaN(seconds) || !(seconds > 0) ? 0 : Math.min(MAX_DELAY_MS, Math.round(seconds * 1000))
  return new JobReleased(delayMs, reason, byHandle)
}
