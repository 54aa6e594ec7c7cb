import {HEADERS, type Keyring, UnsealError} from '../envelope/index.js'
import {isSealedPayload, openSealedPayload} from '../envelope/encryption.js'
import {type IncomingMessage} from '../kafka/index.js'
import {FAILURE_HEADERS} from '../failure/headers.js'
import {shownText} from '../failure/sealed-text.js'

/** Headers a replay adds, so that a job's history can be traced from dead letter to dead letter. */
export const REPLAY_HEADERS = {
  /** `<dead-letter topic>:<partition>:<offset>` of the dead letter the job was replayed from. */
  replayedFrom: 'kq-replayed-from',
  /** How often the job was replayed: 1 for the first replay. */
  replayCount: 'kq-replay-count',
} as const

/** A dead letter as the dlt commands see it: the record, with its headers read. Pure. */
export interface DeadLetter {
  topic: string
  partition: number
  offset: number
  /** The job id (`kq-job-id`), or the dead letter's position when it has none (a malformed message). */
  id: string
  /** The job id alone, if the record has one. */
  jobId: string | null
  job: string | null
  reason: string | null
  errorClass: string | null
  errorMessage: string | null
  errorStack: string | null
  attempts: number | null
  /** When it was dead-lettered: the kq-failed-at header, else the record's timestamp. ISO-8601. */
  failedAt: string
  /** Where the job was when it first failed: queue topic, partition and offset. */
  original: {topic: string | null; partition: number | null; offset: number | null}
  /** Times the job had been replayed before it came back here. */
  replayCount: number
  /** Replayed (or purged) already: past the cursor, or listed as handled beyond it. */
  handled: boolean
  key: Buffer | null
  value: Buffer | null
  headers: Record<string, string>
}

/** `<partition>:<offset>`: names a dead letter that has no job id, and any other, uniquely. */
export function positionOf(letter: {partition: number; offset: number}): string {
  return `${letter.partition}:${letter.offset}`
}

export function deadLetterOf(message: IncomingMessage, handled: boolean): DeadLetter {
  const {headers} = message
  const text = (name: string) => headers[name] ?? null
  const integer = (name: string) => {
    const value = headers[name]
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : null
  }

  // An encrypted job's error is encrypted too: named as such here, opened by detailOf where the key is.
  const errorText = (name: string) => (headers[name] === undefined ? null : shownText(headers[name], name, undefined, undefined))
  const offset = message.offset
  const jobId = text(HEADERS.jobId)
  const failedAt = text(FAILURE_HEADERS.failedAt)
  return {
    topic: message.topic,
    partition: message.partition,
    offset,
    id: jobId ?? positionOf({partition: message.partition, offset}),
    jobId,
    job: text(HEADERS.job),
    reason: text(FAILURE_HEADERS.reason),
    errorClass: text(FAILURE_HEADERS.errorClass),
    errorMessage: errorText(FAILURE_HEADERS.errorMessage),
    errorStack: errorText(FAILURE_HEADERS.errorStack),
    attempts: integer(FAILURE_HEADERS.attempts),
    failedAt: failedAt !== null && !Number.isNaN(Date.parse(failedAt)) ? failedAt : new Date(message.timestamp).toISOString(),
    original: {
      topic: text(FAILURE_HEADERS.originalTopic),
      partition: integer(FAILURE_HEADERS.originalPartition),
      offset: integer(FAILURE_HEADERS.originalOffset),
    },
    replayCount: integer(REPLAY_HEADERS.replayCount) ?? 0,
    handled,
    key: message.key,
    value: message.value,
    headers,
  }
}

/** Sorts oldest failure first, a partition's records in their order; each time parsed once. */
export function sortByFailureTime(letters: DeadLetter[]): DeadLetter[] {
  const times = new Map(letters.map((letter) => [letter, Date.parse(letter.failedAt)]))
  return letters.sort((a, b) => times.get(a)! - times.get(b)! || a.partition - b.partition || a.offset - b.offset)
}

/** A dead letter without its bytes and stack: a row of `kq dlt:list --json`. */
export interface DeadLetterSummary {
  id: string
  job: string | null
  reason: string | null
  error: {class: string | null; message: string | null}
  attempts: number | null
  failedAt: string
  replayCount: number
  status: 'pending' | 'handled'
  deadLetter: {topic: string; partition: number; offset: number}
  original: DeadLetter['original']
  key: string | null
}

export function summaryOf(letter: DeadLetter): DeadLetterSummary {
  return {
    id: letter.id,
    job: letter.job,
    reason: letter.reason,
    error: {class: letter.errorClass, message: letter.errorMessage},
    attempts: letter.attempts,
    failedAt: letter.failedAt,
    replayCount: letter.replayCount,
    status: letter.handled ? 'handled' : 'pending',
    deadLetter: {topic: letter.topic, partition: letter.partition, offset: letter.offset},
    original: letter.original,
    key: letter.key === null ? null : letter.key.toString('utf8'),
  }
}

/** Everything about one dead letter: `kq dlt:show --json`. */
export interface DeadLetterDetail extends DeadLetterSummary {
  error: DeadLetterSummary['error'] & {stack: string | null}
  /**
   * The job's payload when the value is a job envelope (an encrypted one decrypted, if the key
   * is at hand); else absent, and `value` has the text.
   */
  payload?: unknown
  /** For an encrypted payload: its key, and whether it could be decrypted here, or why not. */
  encryption?: {key: string; decrypted: true} | {key: string; decrypted: false; why: string}
  /** The record's value: the envelope as JSON, or the raw text of a malformed message. */
  value: unknown
  headers: Record<string, string>
}

export function detailOf(letter: DeadLetter, keyring?: Keyring): DeadLetterDetail {
  const summary = summaryOf(letter)
  const text = letter.value?.toString('utf8') ?? null
  let value: unknown = text
  try {
    value = text === null ? null : (JSON.parse(text) as unknown)
  } catch {
    // Not JSON: the text as it is, for the person diagnosing it.
  }

  const payload = isEnvelopeLike(value) ? payloadOf(value, keyring) : {}
  const binding = letter.jobId !== null && letter.job !== null ? {id: letter.jobId, job: letter.job} : undefined
  const opened = (name: string) => (letter.headers[name] === undefined ? null : shownText(letter.headers[name], name, keyring, binding))
  const error = {class: letter.errorClass, message: opened(FAILURE_HEADERS.errorMessage), stack: opened(FAILURE_HEADERS.errorStack)}
  return {...summary, error, ...payload, value, headers: letter.headers}
}

/** A dead letter's payload, decrypted where the key is here: a dead letter itself stays encrypted. */
function payloadOf(value: Record<string, unknown>, keyring: Keyring | undefined): Pick<DeadLetterDetail, 'payload' | 'encryption'> {
  const sealed = value.encrypted
  if (!isSealedPayload(sealed)) return 'payload' in value ? {payload: value.payload} : {}
  try {
    const text = openSealedPayload(sealed, keyring, {id: String(value.id), job: String(value.job)})
    return {payload: JSON.parse(text) as unknown, encryption: {key: sealed.key, decrypted: true}}
  } catch (error) {
    const why = error instanceof UnsealError ? error.message : String(error)
    return {encryption: {key: sealed.key, decrypted: false, why}}
  }
}

function isEnvelopeLike(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && 'kq' in value && ('payload' in value || 'encrypted' in value)
}
