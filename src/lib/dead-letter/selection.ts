import {UsageError} from '../errors.js'
import {type DeadLetterReason} from '../retry/index.js'
import {closest} from '../text/closest.js'
import {type DeadLetter, positionOf} from './letters.js'

/** Why the worker dead-letters a job (the kq-dlt-reason header). */
export const DEAD_LETTER_REASONS = ['exhausted', 'fatal', 'timeout', 'malformed', 'unknown-job', 'invalid-payload', 'undecryptable'] as const satisfies readonly DeadLetterReason[]

/** Which dead letters a command works on; every given selector must match (AND). Pure. */
export interface Selection {
  /** Job ids, or `<partition>:<offset>` positions; each must name a dead letter. */
  ids?: string[]
  job?: string
  reason?: string
  /** Dead-lettered at or after this time. */
  since?: Date
  /** Text found, ignoring case, in the job, its id, the reason or the error (class, message, stack). */
  text?: string
  /** At most this many, oldest first. */
  limit?: number
}

export function hasSelector(selection: Selection): boolean {
  return Boolean(selection.ids?.length || selection.job || selection.reason || selection.since || selection.text || selection.limit)
}

const UNITS: Record<string, number> = {s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000}

/**
 * `--since`: a duration back from now (`90s`, `15m`, `2h`, `7d`, `1w`) or a date or time that
 * Date.parse reads (`2026-11-26`, `2026-11-26T17:30:00Z`).
 */
export function parseSince(text: string, now: Date = new Date()): Date {
  const duration = /^(\d+)\s*([smhdw])$/.exec(text.trim())
  if (duration) return new Date(now.getTime() - Number(duration[1]) * UNITS[duration[2]])
  const time = Date.parse(text)
  if (Number.isNaN(time)) {
    throw new UsageError(`--since must be a duration such as 30m, 2h or 7d, or a date such as 2026-11-26, got "${text}"`)
  }

  return new Date(time)
}

/**
 * The dead letters of `letters` (oldest first) that the selection picks. An id that names none
 * of them is an error, so that a typo never means "nothing to do".
 */
export function selectDeadLetters(letters: DeadLetter[], selection: Selection, topic: string, options: {all?: boolean} = {}): DeadLetter[] {
  const ids = new Set(selection.ids ?? [])
  const which = options.all ? 'dead letter' : 'pending dead letter'
  for (const id of ids) {
    if (!letters.some((letter) => matchesId(letter, id))) {
      throw new UsageError(`no ${which} has id ${id} in ${topic}: see the pending ones with \`kq dlt:list\` (--all for handled ones too)`)
    }
  }

  const since = selection.since?.getTime()
  const text = selection.text?.toLowerCase()
  const picked = letters.filter(
    (letter) =>
      (ids.size === 0 || [...ids].some((id) => matchesId(letter, id))) &&
      (selection.job === undefined || letter.job === selection.job) &&
      (selection.reason === undefined || letter.reason === selection.reason) &&
      (since === undefined || Date.parse(letter.failedAt) >= since) &&
      (text === undefined || mentions(letter, text)),
  )
  if (picked.length === 0 && selection.job !== undefined) {
    const suggestion = closest(selection.job, new Set(letters.flatMap((letter) => (letter.job ? [letter.job] : []))))
    if (suggestion !== undefined && suggestion !== selection.job) {
      throw new UsageError(`no ${which} of job ${selection.job} in ${topic}: did you mean ${suggestion}?`)
    }
  }

  return selection.limit === undefined ? picked : picked.slice(0, selection.limit)
}

/** Whether `text` (lower case) appears in what a person searching failures would look at. */
function mentions(letter: DeadLetter, text: string): boolean {
  return [letter.id, letter.job, letter.reason, letter.errorClass, letter.errorMessage, letter.errorStack].some((field) => field?.toLowerCase().includes(text))
}

/** A job id, the dead letter's `<partition>:<offset>`, or `<topic>:<partition>:<offset>` as kq-replayed-from writes it. */
export function matchesId(letter: DeadLetter, id: string): boolean {
  return id === letter.jobId || id === positionOf(letter) || id === `${letter.topic}:${positionOf(letter)}`
}
