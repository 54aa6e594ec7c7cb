/**
 * The delay ladder: where a job waits until it is due, pure and without I/O.
 *
 * A queue has one delay topic per rung (`<topic>-delay-1s`, `-delay-10s` ... `-delay-1d`). A
 * rung holds only records that wait that rung's time from when they were written, so each rung
 * is first-in, first-due: a worker pauses a rung partition until its first record's time is up,
 * and never holds a short wait behind a longer one. A job waiting longer than a rung hops down
 * the ladder: at the end of each wait it is written to the rung for what remains (acknowledged
 * before the record it came from is committed), until less than a second is left; that last bit
 * is held in the worker's memory.
 */

export interface Rung {
  /** The suffix after `-delay-`: `1s`, `10s`, `1m`, `10m`, `1h`, `1d`. */
  label: string
  /** How long a record waits on this rung, from the time it was written. */
  ms: number
}

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** Shortest first. Each rung is a topic per queue, with the queue's partition count. */
export const RUNGS: readonly Rung[] = [
  {label: '1s', ms: SECOND},
  {label: '10s', ms: 10 * SECOND},
  {label: '1m', ms: MINUTE},
  {label: '10m', ms: 10 * MINUTE},
  {label: '1h', ms: HOUR},
  {label: '1d', ms: DAY},
]

export const DELAY_SUFFIX = '-delay-'

/** The longest delay kq accepts: 90 days (a wait of that length hops the 1-day rung ~90 times). */
export const MAX_DELAY_MS = 90 * DAY

/**
 * A job due within this long is held in the worker's memory instead of on a rung: it is the
 * precision of the ladder's smallest step.
 */
export const HOLD_MS = SECOND

/** The delay topic of each rung of a queue topic, shortest first. */
export function delayTopicsOf(topic: string): string[] {
  return RUNGS.map((rung) => topic + DELAY_SUFFIX + rung.label)
}

/** The rung a delay topic stands for, or undefined when `topic` is not one of `queueTopic`'s. */
export function rungOfTopic(queueTopic: string, topic: string): Rung | undefined {
  if (!topic.startsWith(queueTopic + DELAY_SUFFIX)) return undefined
  const label = topic.slice(queueTopic.length + DELAY_SUFFIX.length)
  return RUNGS.find((rung) => rung.label === label)
}

/**
 * The rung for a wait of `remainingMs`: the longest rung that does not overshoot it by more than
 * HOLD_MS. Undefined under the shortest rung: such a job is held in memory (see HOLD_MS).
 *
 * The slack saves hops: a job that has 9.8 s left after a few hops waits once on the 10 s rung
 * (which it leaves at its due time, see leavesRungAt) rather than nine times on the 1 s rung.
 * It costs at most HOLD_MS: a record on a rung may wait behind one written before it that is
 * due up to that much later.
 */
export function rungFor(remainingMs: number): Rung | undefined {
  if (remainingMs < RUNGS[0].ms) return undefined
  let chosen: Rung | undefined
  for (const rung of RUNGS) if (rung.ms <= remainingMs + HOLD_MS) chosen = rung
  return chosen
}

/**
 * When a record written to `rung` at `writtenAt` (its Kafka timestamp) may leave the rung: its
 * rung time is up, or its own due time has come, whichever is first.
 */
export function leavesRungAt(rung: Rung, writtenAt: number, dueAt: number): number {
  return Math.min(writtenAt + rung.ms, dueAt)
}

/** The header that says when a job may run (ISO 8601): on delayed jobs and on retries. */
export const NOT_BEFORE_HEADER = 'kq-not-before'

/** When a record may run, from its header; a record without one (or a bad one) is due at once. */
export function dueAtOf(headers: Record<string, string>): number {
  const value = headers[NOT_BEFORE_HEADER]
  const time = value === undefined ? Number.NaN : Date.parse(value)
  return Number.isNaN(time) ? 0 : time
}

/**
 * The delay topic of `queueTopic` where a wait of `remainingMs` goes: its rung's. Undefined
 * under a second: such a job goes to the queue (or retry) topic, and the worker holds it until due.
 */
export function delayTopicFor(queueTopic: string, remainingMs: number): string | undefined {
  const rung = rungFor(remainingMs)
  return rung === undefined ? undefined : queueTopic + DELAY_SUFFIX + rung.label
}
