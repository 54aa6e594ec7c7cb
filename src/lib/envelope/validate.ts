import {MAX_QUEUE_TOPIC_LENGTH} from '../config/values.js'
import {isSealedPayload} from './encryption.js'
import {EnvelopeError} from './errors.js'
import {describeValue} from './format.js'
import {isJobId} from './job-id.js'
import {type JobEnvelope} from './types.js'

/**
 * The rules of envelope version 1, applied alike to what kq writes and what it reads, so a
 * message kq accepts is one it could have written. docs/envelope.schema.json states the same
 * rules for other languages; a test holds the two together.
 */

export const ENVELOPE_VERSION = 1

/**
 * Long enough for any real class name, short enough to keep headers and log lines sane. The one
 * limit on job names: the jobs folder and make:job hold to it too, so a job kq scaffolds is one
 * every message can name.
 */
export const MAX_JOB_NAME_LENGTH = 200

interface FieldRule {
  name: Exclude<keyof JobEnvelope, 'kq'>
  /** A function for a field required unless another is there. */
  required: boolean | ((fields: Record<string, unknown>) => boolean)
  /** What a good value is, completing "must be ...". */
  expected: string
  valid(value: unknown): boolean
}

const JOB_NAME = /^[A-Za-z_$][\w$]*$/
const QUEUE_NAME = /^[\w.-]+$/
const DISPATCH_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

function isPositiveInteger(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 1
}

function isSeconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/**
 * The exact form Date#toISOString writes, and a real instant (no 31 June, no hour 24). Checked
 * by arithmetic on character codes rather than through a Date or slices: every message a worker
 * reads passes here.
 */
function isDispatchTime(value: unknown): boolean {
  if (typeof value !== 'string' || !DISPATCH_TIME.test(value)) return false
  const year = digits(value, 0, 4)
  const month = digits(value, 5, 2)
  const day = digits(value, 8, 2)
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]
  return month >= 1 && month <= 12 && day >= 1 && day <= days && digits(value, 11, 2) < 24 && digits(value, 14, 2) < 60 && digits(value, 17, 2) < 60
}

/** The number written by `count` decimal digits at `start` (the caller checked they are digits). */
function digits(text: string, start: number, count: number): number {
  let number = 0
  for (let index = start; index < start + count; index++) number = number * 10 + text.charCodeAt(index) - 48
  return number
}

/**
 * Job and queue names a worker has already found valid. A worker reads the same few names over
 * and over; bounded, so that a stream of made-up names cannot grow it without end.
 */
const KNOWN_NAMES_LIMIT = 1000

function rememberingValid(valid: (value: string) => boolean): (value: unknown) => boolean {
  const known = new Set<string>()
  return (value) => {
    if (typeof value !== 'string') return false
    if (known.has(value)) return true
    if (!valid(value)) return false
    if (known.size < KNOWN_NAMES_LIMIT) known.add(value)
    return true
  }
}

const isJobName = rememberingValid((value) => value.length <= MAX_JOB_NAME_LENGTH && JOB_NAME.test(value))
const isQueueName = rememberingValid(
  (value) => value.length <= MAX_QUEUE_TOPIC_LENGTH && QUEUE_NAME.test(value) && value !== '.' && value !== '..',
)

const STEP_SETTINGS: Record<string, (value: unknown) => boolean> = {
  key: (value) => typeof value === 'string',
  maxTries: isPositiveInteger,
  timeout: (value) => isSeconds(value) && value > 0,
  backoff: (value) => Array.isArray(value) && value.length > 0 && value.every((item) => isSeconds(item)),
}

/** One job of a chain: a job and queue name, a payload or an encrypted one (never both), and valid settings where given. */
function isChainStep(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const step = value as Record<string, unknown>
  if (!isJobName(step.job) || !isQueueName(step.queue)) return false
  if (step.encrypted === undefined ? step.payload === undefined : step.payload !== undefined || !isSealedPayload(step.encrypted)) return false
  return Object.entries(STEP_SETTINGS).every(([name, valid]) => step[name] === undefined || valid(step[name]))
}

/** In the order they are checked: the first bad one is the one reported. */
const FIELDS: readonly FieldRule[] = [
  {
    name: 'id',
    required: true,
    expected: 'a UUIDv7 in lower case, like 0199c5a3-7f1e-7b2c-9d4e-5f6a7b8c9d0e',
    valid: isJobId,
  },
  {
    name: 'job',
    required: true,
    expected: `a job class name: letters, digits, '_' or '$', not starting with a digit, at most ${MAX_JOB_NAME_LENGTH} characters`,
    valid: isJobName,
  },
  {
    name: 'queue',
    required: true,
    expected: `a queue name: letters, digits, '.', '_' or '-', at most ${MAX_QUEUE_TOPIC_LENGTH} characters`,
    valid: isQueueName,
  },
  {
    name: 'payload',
    // An encrypted job carries its payload in "encrypted" instead.
    required: (fields) => fields.encrypted === undefined,
    expected: 'a JSON value (null included)',
    valid: (value) => value !== undefined && typeof value !== 'function' && typeof value !== 'symbol' && typeof value !== 'bigint',
  },
  {
    name: 'attempt',
    required: true,
    expected: 'a positive integer (1 on dispatch)',
    valid: isPositiveInteger,
  },
  {
    name: 'dispatchedAt',
    required: true,
    expected: 'a UTC time in ISO-8601 with milliseconds, like 2026-11-26T17:30:01.123Z',
    valid: isDispatchTime,
  },
  {
    name: 'maxTries',
    required: false,
    expected: 'a positive integer, or left out',
    valid: isPositiveInteger,
  },
  {
    name: 'timeout',
    required: false,
    expected: 'a positive number of seconds, or left out',
    valid: (value) => isSeconds(value) && value > 0,
  },
  {
    name: 'backoff',
    required: false,
    expected: 'a non-empty array of seconds (numbers >= 0), or left out',
    valid: (value) => Array.isArray(value) && value.length > 0 && value.every((item) => isSeconds(item)),
  },
  {
    name: 'encrypted',
    required: false,
    expected: 'an object of "key" (12 hex digits), "iv" (12 bytes), "data" and "tag" (16 bytes), in base64, or left out',
    valid: isSealedPayload,
  },
  {
    name: 'chain',
    required: false,
    expected: 'a non-empty array of {job, queue, payload or encrypted} objects (optionally key, maxTries, timeout, backoff), or left out',
    valid: (value) => Array.isArray(value) && value.length > 0 && value.every((step) => isChainStep(step)),
  },
  {
    name: 'chainCatch',
    required: false,
    expected: 'a {job, queue} object, or left out',
    valid: (value) =>
      typeof value === 'object' && value !== null && isJobName((value as {job?: unknown}).job) && isQueueName((value as {queue?: unknown}).queue),
  },
  {
    name: 'batch',
    required: false,
    expected: 'a {id, partition, offset} object (a job id, integers >= 0), or left out',
    valid: (value) => {
      if (typeof value !== 'object' || value === null) return false
      const {id, partition, offset} = value as Record<string, unknown>
      return isJobId(id) && Number.isSafeInteger(partition) && (partition as number) >= 0 && Number.isSafeInteger(offset) && (offset as number) >= 0
    },
  },
]

/**
 * Checks a parsed message, or an envelope about to be sent, against version 1. `subject` names
 * it in messages: 'job message' when reading, 'job envelope' when writing. Fields it does not
 * know are left alone: a newer producer may add optional ones.
 */
export function assertEnvelope(value: unknown, subject: string): asserts value is JobEnvelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EnvelopeError(
      'not-envelope',
      `${subject} is not a kq job: expected a JSON object with "kq": ${ENVELOPE_VERSION}, got ${kindOf(value)}`,
    )
  }

  const fields = value as Record<string, unknown>
  if (!Object.hasOwn(fields, 'kq')) {
    throw new EnvelopeError(
      'not-envelope',
      `${subject} is not a kq job: expected a JSON object with "kq": ${ENVELOPE_VERSION}, got an object without "kq"`,
    )
  }

  if (fields.kq !== ENVELOPE_VERSION) throw unsupportedVersion(fields.kq, subject)

  for (const rule of FIELDS) {
    const present = Object.hasOwn(fields, rule.name) && fields[rule.name] !== undefined
    if (!present) {
      if (rule.required === false || (rule.required !== true && !rule.required(fields))) continue
      throw new EnvelopeError('invalid-field', `${subject} lacks the field "${rule.name}": it must be ${rule.expected}`, {
        field: rule.name,
      })
    }

    const field = fields[rule.name]
    if (!rule.valid(field)) {
      throw new EnvelopeError(
        'invalid-field',
        `${subject} field "${rule.name}" must be ${rule.expected}, got ${describeValue(field)}`,
        {field: rule.name},
      )
    }
  }

  if (fields.encrypted !== undefined && fields.payload !== undefined) {
    throw new EnvelopeError('invalid-field', `${subject} has both "payload" and "encrypted": an encrypted job's payload is in "encrypted" only`, {
      field: 'payload',
    })
  }
}

function unsupportedVersion(version: unknown, subject: string): EnvelopeError {
  // A later whole version calls for a newer kq; anything else was never a kq version.
  const message =
    Number.isSafeInteger(version) && (version as number) > ENVELOPE_VERSION
      ? `${subject} is kq envelope version ${version}, but this kq reads version ${ENVELOPE_VERSION} only: upgrade kq where this queue is worked`
      : `${subject} has "kq": ${describeValue(version)}, an unknown envelope version: this kq reads version ${ENVELOPE_VERSION} only ("kq": ${ENVELOPE_VERSION}, a number)`
  return new EnvelopeError('unsupported-version', message)
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array'
  if (value === null) return 'null'
  if (typeof value === 'string') return 'a string'
  if (typeof value === 'number') return 'a number'
  if (typeof value === 'boolean') return `${value}`
  return describeValue(value)
}
