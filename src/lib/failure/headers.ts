import {NOT_BEFORE_HEADER} from '../delay/ladder.js'
import {type IncomingMessage} from '../kafka/index.js'
import {truncateUtf8} from '../text/bounded.js'
import {type TextSeal, sealText} from './sealed-text.js'

/**
 * The headers a failed attempt writes on the record it leaves behind, a retry record
 * (lib/retry) or a dead letter (lib/dead-letter). Pure: built from the record that failed, the
 * error and the clock. Every header is a plain UTF-8 string (times in ISO-8601), so
 * `kcat -f '%h'` or any Kafka UI can read it.
 *
 * Headers describing the failure are replaced at each hop, never appended: a job retried five
 * times carries one set, the last, plus where it started and when it first failed.
 */
export const FAILURE_HEADERS = {
  originalTopic: 'kq-original-topic',
  originalPartition: 'kq-original-partition',
  originalOffset: 'kq-original-offset',
  originalTimestamp: 'kq-original-timestamp',
  firstFailedAt: 'kq-first-failed-at',
  failedAt: 'kq-failed-at',
  errorClass: 'kq-error-class',
  errorMessage: 'kq-error-message',
  errorStack: 'kq-error-stack',
  consumerGroup: 'kq-consumer-group',
  worker: 'kq-worker',
  /** Dead letters only: the attempts made. */
  attempts: 'kq-attempts',
  /** Dead letters only: why it was dead-lettered. */
  reason: 'kq-dlt-reason',
  /** Dead letters only, rare: the size in bytes of the value left out because the whole was too large. */
  valueOmitted: 'kq-dlt-value-omitted',
} as const

/** Bounds for the error headers: enough to diagnose, small next to Kafka's 1 MB record limit. */
export const MAX_ERROR_MESSAGE_BYTES = 1024
export const MAX_ERROR_STACK_BYTES = 8192

export interface FailureContext {
  /** The record whose attempt failed: from the queue topic, or from the retry topic. */
  source: IncomingMessage
  error: unknown
  group: string
  /** host:pid of the worker. */
  worker: string
  now: Date
  /** For an encrypted job: its error's message and stack are written encrypted (see sealed-text.ts). */
  seal?: TextSeal
}

export function describeError(error: unknown): {className: string; message: string; stack?: string} {
  if (error instanceof Error) {
    return {className: errorClassName(error), message: error.message, stack: error.stack}
  }

  return {className: typeof error, message: asText(error)}
}

/**
 * The name an error's class gives itself, else its class's: `class PaymentDeclined extends
 * Error {}` sets no name and would pass as a plain 'Error'.
 */
function errorClassName(error: Error): string {
  const prototype = Object.getPrototypeOf(error) as object | null
  const named = Object.hasOwn(error, 'name') || (prototype !== null && Object.hasOwn(prototype, 'name'))
  return (named && error.name) || error.constructor?.name || error.name || 'Error'
}

/** String(value), except for a value that refuses (no prototype, a throwing toString). */
function asText(value: unknown): string {
  try {
    return String(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}

/** The headers that say where a job started and how it last failed. */
export function failureHeaders(context: FailureContext): Record<string, string> {
  const {source, now} = context
  const headers = source.headers
  const error = describeError(context.error)
  const result: Record<string, string> = {
    // A record from the retry topic carries its origin already; a first failure is the origin.
    [FAILURE_HEADERS.originalTopic]: headers[FAILURE_HEADERS.originalTopic] ?? source.topic,
    [FAILURE_HEADERS.originalPartition]: headers[FAILURE_HEADERS.originalPartition] ?? String(source.partition),
    [FAILURE_HEADERS.originalOffset]: headers[FAILURE_HEADERS.originalOffset] ?? String(source.offset),
    [FAILURE_HEADERS.originalTimestamp]:
      headers[FAILURE_HEADERS.originalTimestamp] ?? new Date(source.timestamp).toISOString(),
    [FAILURE_HEADERS.firstFailedAt]: headers[FAILURE_HEADERS.firstFailedAt] ?? now.toISOString(),
    [FAILURE_HEADERS.failedAt]: now.toISOString(),
    [FAILURE_HEADERS.errorClass]: truncateUtf8(error.className, 256),
    [FAILURE_HEADERS.errorMessage]: secret(truncateUtf8(error.message, MAX_ERROR_MESSAGE_BYTES), FAILURE_HEADERS.errorMessage, context.seal),
    [FAILURE_HEADERS.consumerGroup]: context.group,
    [FAILURE_HEADERS.worker]: context.worker,
  }
  if (error.stack) result[FAILURE_HEADERS.errorStack] = secret(truncateUtf8(error.stack, MAX_ERROR_STACK_BYTES), FAILURE_HEADERS.errorStack, context.seal)
  return result
}

/** A header that may quote the payload: encrypted when the job is (bounded first, so the bound is the text's). */
function secret(text: string, header: string, seal: TextSeal | undefined): string {
  return seal === undefined ? text : sealText(text, header, seal)
}

/**
 * The source record's own headers less kq's failure headers, which are about to be rewritten,
 * and its due time, which was for the attempt that failed.
 */
export function carriedHeaders(source: IncomingMessage): Record<string, string> {
  const failureNames = new Set<string>([...Object.values(FAILURE_HEADERS), NOT_BEFORE_HEADER])
  return Object.fromEntries(Object.entries(source.headers).filter(([name]) => !failureNames.has(name)))
}
