/**
 * When a failed job runs again, and when it stops trying: pure functions of the attempt number,
 * the limits and the clock, so the rules are tested without a broker.
 */

/** Why a job left the queue for the dead-letter topic. */
export type DeadLetterReason = 'exhausted' | 'fatal' | 'timeout' | 'malformed' | 'unknown-job' | 'invalid-payload' | 'undecryptable'

export type FailureDecision =
  | {action: 'retry'; nextAttempt: number; delayMs: number; dueAt: number}
  | {action: 'dead-letter'; reason: DeadLetterReason}

/**
 * The tries a job gets, the most specific setting winning: the message (set at dispatch from
 * the job class, or by the producer), then the job class, then the worker's --tries.
 */
export function resolveMaxTries(fromMessage: number | undefined, fromClass: number | undefined, fromWorker: number): number {
  return fromMessage ?? fromClass ?? fromWorker
}

/**
 * Seconds to wait before the try after `attempt`, by Laravel's rule: the n-th retry waits
 * backoff[n-1], and the last value repeats for every retry beyond the list. No list: no wait.
 */
export function backoffSeconds(attempt: number, backoff: readonly number[]): number {
  if (backoff.length === 0) return 0
  return backoff[Math.min(attempt, backoff.length) - 1]
}

/**
 * What to do with a failed attempt: retry after its backoff while tries remain, else dead-letter.
 * A fatal error (FatalJobError) dead-letters at once; a timeout that was the last try is
 * dead-lettered as `timeout` so the record says why.
 */
export function decideAfterFailure(input: {
  attempt: number
  maxTries: number
  backoff: readonly number[]
  fatal?: boolean
  timedOut?: boolean
  now: number
}): FailureDecision {
  if (input.fatal) return {action: 'dead-letter', reason: 'fatal'}
  if (input.attempt >= input.maxTries) return {action: 'dead-letter', reason: input.timedOut ? 'timeout' : 'exhausted'}
  const delayMs = Math.round(backoffSeconds(input.attempt, input.backoff) * 1000)
  return {action: 'retry', nextAttempt: input.attempt + 1, delayMs, dueAt: input.now + delayMs}
}

/** Seconds before the next try of a job the worker does not know, by how long it has been failing. */
function unknownJobWaitSeconds(failingMs: number): number {
  return failingMs < 10_000 ? 10 : failingMs < 40_000 ? 30 : 60
}

/**
 * A job the worker does not know (a rolling deploy, a worker in the wrong folder): tried again
 * until `graceMs` after it first failed, the last wait cut to end then, and dead-lettered as
 * `unknown-job` after that. Its attempt number stays: a job that never ran has used no try.
 */
export function decideForUnknownJob(input: {attempt: number; firstFailedAt: number; graceMs: number; now: number}): FailureDecision {
  const left = input.firstFailedAt + input.graceMs - input.now
  if (left <= 0) return {action: 'dead-letter', reason: 'unknown-job'}
  // Its attempt number does not move (it never ran), so the wait follows the time it has been failing.
  const delayMs = Math.min(left, unknownJobWaitSeconds(input.now - input.firstFailedAt) * 1000)
  return {action: 'retry', nextAttempt: input.attempt, delayMs, dueAt: input.now + delayMs}
}

/** Parses `--backoff 1,5,10` (seconds); throws a message for the command to show. */
export function parseBackoffList(text: string): number[] {
  const parts = text.split(',').map((part) => part.trim())
  const values = parts.map(Number)
  if (parts.some((part) => part === '') || values.some((value) => !Number.isFinite(value) || value < 0)) {
    throw new Error(`--backoff must be seconds, or a comma-separated list of them (e.g. 1,5,10), got ${JSON.stringify(text)}`)
  }

  return values
}
