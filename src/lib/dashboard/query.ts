import {topicName} from '../config/values.js'
import {DEAD_LETTER_REASONS, type Selection, parseSince} from '../dead-letter/selection.js'
import {UsageError} from '../errors.js'

/**
 * The API's inputs, checked the way the dlt commands check their flags: into a queue name and
 * a Selection, or a UsageError that names the bad field. Pure.
 */

/** Query parameters or JSON body fields, as they arrive: anything at all. */
export type Fields = Record<string, unknown>

/** At most this many dead letters in one listing, newest first. */
export const MAX_LISTED = 500

export function queueField(value: unknown, label = 'queue'): string {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`${label} is required: the name of a queue`)
  return topicName({raw: value, label, fromCommandLine: true})
}

export function optionalQueue(value: unknown): string | undefined {
  return value === undefined || value === '' ? undefined : queueField(value)
}

/** `job`, `reason`, `since` and `q` (text in the error), as the dlt commands' selector flags. */
export function filterOf(fields: Fields): Selection {
  const text = (name: string) => {
    const value = fields[name]
    if (value === undefined || value === '') return undefined
    if (typeof value !== 'string') throw new UsageError(`${name} must be a string`)
    return value
  }

  const reason = text('reason')
  if (reason !== undefined && !(DEAD_LETTER_REASONS as readonly string[]).includes(reason)) {
    throw new UsageError(`reason must be one of ${DEAD_LETTER_REASONS.join(', ')}, got ${JSON.stringify(reason)}`)
  }

  const job = text('job')
  const since = text('since')
  const q = text('q')
  return {
    ...(job !== undefined && {job}),
    ...(reason !== undefined && {reason}),
    ...(since !== undefined && {since: parseSince(since)}),
    ...(q !== undefined && {text: q}),
  }
}

export function limitOf(value: unknown): number {
  if (value === undefined || value === '') return 100
  const limit = Number(value)
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LISTED) throw new UsageError(`limit must be a whole number from 1 to ${MAX_LISTED}`)
  return limit
}

/** A yes-or-no query parameter: left out (or empty) is no. */
export function flagOf(value: unknown, name: string): boolean {
  if (value === undefined || value === '' || value === 'false' || value === '0') return false
  if (value === 'true' || value === '1') return true
  throw new UsageError(`${name} must be true or false`)
}

/** What an action acts on: exactly one of some ids, the dead letters matching a filter, or all. */
export type Target = {queue: string; selection: Selection}

export function targetOf(body: unknown): Target {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new UsageError('the body must be a JSON object: {"queue": ..., and "ids", "filter" or "all"}')
  const fields = body as Fields
  const queue = queueField(fields.queue)
  const {ids, filter, all} = fields
  const given = [ids !== undefined, filter !== undefined, all === true].filter(Boolean).length
  if (given !== 1) throw new UsageError('say which dead letters with exactly one of "ids" (a list), "filter" (job, reason, since, q) or "all": true')
  if (ids !== undefined) {
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string' && id !== '')) {
      throw new UsageError('ids must be a non-empty list of job ids or <partition>:<offset> positions')
    }

    return {queue, selection: {ids: ids as string[]}}
  }

  if (filter !== undefined) {
    if (typeof filter !== 'object' || filter === null) throw new UsageError('filter must be an object of job, reason, since and q')
    const selection = filterOf(filter as Fields)
    if (Object.keys(selection).length === 0) throw new UsageError('an empty filter matches everything: send "all": true to mean that')
    return {queue, selection}
  }

  return {queue, selection: {}}
}
