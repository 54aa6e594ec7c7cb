/**
 * How long a job waits, as people write it: `--delay 90`, `--delay 10m`, `--at 2026-12-01T09:00:00Z`,
 * or `{delay: 90}` in code. Pure: the clock is an argument, so every rule is tested without one.
 */
import {UsageError} from '../errors.js'
import {MAX_DELAY_MS} from './ladder.js'

/** A delay or due time that cannot be used. A usage error: the commands exit 2, nothing is sent. */
export class DelayError extends UsageError {
  override name = 'DelayError'
}

/** What the caller gave: `delay` in seconds (Laravel's unit) or as text, or `at` a due time. */
export interface DelayRequest {
  delay?: number | string
  at?: Date | string
}

/** How the options are named in messages: `delay` in code, `--delay` on the command line. */
export interface DelayNames {
  delay: string
  at: string
}

const OPTION_NAMES: DelayNames = {delay: 'delay', at: 'at'}

/**
 * A due time this little in the past still means "now": the clock moved between the user
 * writing `--at` (or computing a Date) and the dispatch.
 */
export const PAST_TOLERANCE_MS = 1000

const UNIT_MS: Record<string, number> = {d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1}
const UNIT_ORDER = ['d', 'h', 'm', 's', 'ms']
const DURATION_EXAMPLES = '90, 1.5, 500ms, 30s, 10m, 2h, 1d or 1h30m'

/**
 * The delay in ms that a request asks for, relative to `now` (ms since the epoch); 0 when none.
 * Only one of `delay` and `at` may be given.
 */
export function resolveDelay(request: DelayRequest, now: number, names: DelayNames = OPTION_NAMES): number {
  const {delay, at} = request
  if (delay !== undefined && at !== undefined) {
    throw new DelayError(`give either ${names.delay} or ${names.at}, not both`)
  }

  if (at !== undefined) return delayUntil(parseAt(at, names.at), now, names.at)
  if (delay !== undefined) return parseDelay(delay, names.delay)
  return 0
}

/**
 * A delay in ms from seconds (`90`, `1.5`, as a number or text) or a duration (`500ms`, `30s`,
 * `10m`, `2h`, `1d`, or several from largest to smallest unit: `1h30m`). Rounded to the ms.
 */
export function parseDelay(value: number | string, name = OPTION_NAMES.delay): number {
  const ms = typeof value === 'number' ? value * 1000 : durationMs(value, name)
  const shown = typeof value === 'number' ? String(value) : JSON.stringify(value)
  if (Number.isNaN(ms)) throw new DelayError(`${name} must be a number of seconds, got ${shown}`)
  if (ms < 0) throw new DelayError(`${name} must not be negative, got ${shown}: give 0 or more seconds`)
  if (ms > MAX_DELAY_MS) {
    throw new DelayError(`${name} ${shown} is longer than the maximum of ${formatMaxDelay()}: dispatch the job later, closer to when it is due`)
  }

  return Math.round(ms)
}

function durationMs(text: string, name: string): number {
  const trimmed = text.trim()
  // Plain seconds, as Laravel's delay(90); a sign is let through so that "-5" reads as negative.
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(trimmed)) return Number(trimmed) * 1000
  if (/^-\d/.test(trimmed)) throw new DelayError(`${name} must not be negative, got ${JSON.stringify(text)}: give 0 or more seconds`)
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|[dhms])/g)]
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== trimmed) {
    throw new DelayError(`${name} must be seconds or a duration such as ${DURATION_EXAMPLES}, got ${JSON.stringify(text)}`)
  }

  let ms = 0
  let previous = -1
  for (const [, amount, unit] of parts) {
    const order = UNIT_ORDER.indexOf(unit)
    if (order <= previous) {
      throw new DelayError(`${name} must give each unit once, from largest to smallest (as in 1h30m), got ${JSON.stringify(text)}`)
    }

    previous = order
    ms += Number(amount) * UNIT_MS[unit]
  }

  return ms
}

/**
 * An ISO-8601 date and time with its timezone (`Z` or an offset such as `+01:00`), as ms since
 * the epoch. The zone is required: without one, the same text is a different instant on a
 * server in another zone, and a job due at the wrong hour is hard to notice.
 */
export function parseAt(value: Date | string, name = OPTION_NAMES.at): number {
  if (value instanceof Date) {
    const time = value.getTime()
    if (Number.isNaN(time)) throw new DelayError(`${name} is an invalid Date`)
    return time
  }

  const text = value.trim()
  const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(text)
  const example = 'such as 2026-12-01T09:00:00Z or 2026-12-01T10:00:00+01:00'
  if (!match) throw new DelayError(`${name} must be an ISO-8601 date and time ${example}, got ${JSON.stringify(value)}`)
  const [, year, month, day, hour, minute, second = '00', fraction = '', zone] = match
  if (zone === undefined) {
    throw new DelayError(`${name} ${JSON.stringify(value)} has no timezone: end it with Z (UTC) or an offset such as +01:00`)
  }

  if (!isCalendarTime(Number(year), Number(month), Number(day), Number(hour), Number(minute), Number(second))) {
    throw new DelayError(`${name} ${JSON.stringify(value)} is not a real date and time`)
  }

  const offset = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`
  const millis = fraction.padEnd(3, '0').slice(0, 3)
  return Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}.${millis}${offset}`)
}

function isCalendarTime(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59
}

/** The delay until `dueAt`: 0 when it is now or just past (see PAST_TOLERANCE_MS). */
export function delayUntil(dueAt: number, now: number, name = OPTION_NAMES.at): number {
  const delay = dueAt - now
  const shown = new Date(dueAt).toISOString()
  if (delay < -PAST_TOLERANCE_MS) {
    throw new DelayError(`${name} ${shown} is in the past (now is ${new Date(now).toISOString()}): give a later time, or none to dispatch now`)
  }

  if (delay > MAX_DELAY_MS) {
    throw new DelayError(`${name} ${shown} is more than ${formatMaxDelay()} away: dispatch the job later, closer to when it is due`)
  }

  return Math.max(delay, 0)
}

function formatMaxDelay(): string {
  const days = MAX_DELAY_MS / UNIT_MS.d
  return `${days} days (${days}d)`
}
