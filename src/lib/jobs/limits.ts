/**
 * The bookkeeping behind the built-in middleware: pure functions of their state and the clock,
 * so that their rules are tested without a worker.
 */

/** A token bucket: `tokens` left at `at` (Unix ms). */
export interface Bucket {
  tokens: number
  at: number
}

/**
 * Takes one token from a bucket that fills at `rate` tokens a millisecond up to `capacity`.
 * Answers the bucket after, and the wait before a token is there (0 when one was taken).
 */
export function takeToken(bucket: Bucket | undefined, rate: number, capacity: number, now: number): {bucket: Bucket; waitMs: number} {
  const before = bucket === undefined ? capacity : Math.min(capacity, bucket.tokens + Math.max(0, now - bucket.at) * rate)
  if (before >= 1) return {bucket: {tokens: before - 1, at: now}, waitMs: 0}
  return {bucket: {tokens: before, at: now}, waitMs: Math.ceil((1 - before) / rate)}
}

/**
 * A group-wide limit of `count` jobs per `perMs`, as this worker's bucket: its rate is its share
 * of the limit, and it holds at most one period's worth (at least one job, so that a small share
 * still runs jobs, at its slower rate).
 */
export function shareOfLimit(count: number, perMs: number, share: number): {rate: number; capacity: number} {
  const mine = count * Math.max(share, 0)
  return {rate: mine / perMs, capacity: Math.max(1, mine)}
}

/** Failures in a row of one kind of job, and until when its jobs are held back. */
export interface Throttle {
  failures: number
  /** Unix ms; 0 when jobs may run. */
  openUntil: number
}

export const CLOSED: Throttle = {failures: 0, openUntil: 0}

/** After an attempt: a success clears the count; the `maxFailures`-th failure in a row holds jobs back for `decayMs`. */
export function afterAttempt(throttle: Throttle, failed: boolean, maxFailures: number, decayMs: number, now: number): Throttle {
  if (!failed) return CLOSED
  const failures = throttle.failures + 1
  return failures >= maxFailures ? {failures: 0, openUntil: now + decayMs} : {failures, openUntil: throttle.openUntil}
}

/** How long a job must wait before it may run: 0 when it may now. */
export function heldFor(throttle: Throttle, now: number): number {
  return Math.max(0, throttle.openUntil - now)
}
