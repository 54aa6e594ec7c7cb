import {refuseEmpty} from '../config/values.js'
import {parseAt, parseDelay, resolveDelay} from '../delay/parse.js'
import {UsageError} from '../errors.js'
import {JsonSyntaxError, parseJson} from '../text/json.js'
import {type DispatchOptions} from './types.js'

/**
 * Checks what a user typed for a dispatch, before anything is sent: a bad value is a usage
 * error naming where it came from, and never produces a message.
 */

/** Parses a payload, saying where the JSON broke: `payload (from --file jobs.json) is not valid JSON...`. */
export function parsePayload(text: string, source: string): unknown {
  try {
    return parseJson(text)
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw new UsageError(`${source} is not valid JSON at ${error.message}`)
    throw error
  }
}

/** Header names starting with this are kq's own (job name, id, attempt...). */
export const RESERVED_HEADER_PREFIX = 'kq-'

/** Turns repeated `--header name=value` flags into headers; the value may contain '='. */
export function parseHeaderFlags(flags: string[] = []): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const flag of flags) {
    const separator = flag.indexOf('=')
    if (separator <= 0) throw new UsageError(`--header must look like name=value, got ${JSON.stringify(flag)}`)
    headers[flag.slice(0, separator).trim()] = flag.slice(separator + 1)
  }

  return checkHeaders(headers)
}

export function checkHeaders(headers: Record<string, string> = {}): Record<string, string> {
  for (const [name, value] of Object.entries(headers)) {
    if (name === '') throw new UsageError('header names must not be empty')
    if (name.toLowerCase().startsWith(RESERVED_HEADER_PREFIX)) {
      throw new UsageError(`header ${name} is reserved: names starting with "${RESERVED_HEADER_PREFIX}" are kq's own; choose another name`)
    }

    if (typeof value !== 'string') throw new UsageError(`header ${name} must have a string value, got ${typeof value}`)
  }

  return headers
}

/**
 * `--key` as given, refused when empty: `--key "$USER_ID"` with the variable unset would give
 * every job one empty key, so one partition and one line of jobs waiting on each other.
 */
export function parseKeyFlag(key: string | undefined): string | undefined {
  return refuseEmpty(key, '--key', 'give the value whose jobs must keep their order (a user or order id), or leave --key out')
}

/** The ordering key of a bulk line, taken from a top-level field of its payload. */
export function keyFromField(payload: unknown, field: string): string {
  const value = payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>)[field] : undefined
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return String(value)
  throw new UsageError(`payload has no string or number field "${field}" to use as the key (--key-field)`)
}

/**
 * `--delay` and `--at` as dispatch options, checked now against the clock so that a bad value is
 * refused in the flags' own words before anything connects. The dispatcher counts the delay
 * from when it sends.
 */
export function parseDelayFlags(flags: {delay?: string; at?: string}, now = Date.now()): Pick<DispatchOptions, 'delay' | 'at'> {
  const names = {delay: '--delay', at: '--at'}
  // A due time that is already now stays now, however long the jobs take to load.
  if (resolveDelay(flags, now, names) === 0) return {}
  if (flags.at !== undefined) return {at: new Date(parseAt(flags.at, names.at))}
  if (flags.delay !== undefined) return {delay: parseDelay(flags.delay, names.delay) / 1000}
  return {}
}
