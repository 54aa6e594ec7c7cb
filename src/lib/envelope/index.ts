import {type EncryptionKey, type Keyring, openSealedPayload, sealPayload, sealedJsonLength} from './encryption.js'
import {EnvelopeError} from './errors.js'
import {describeSize} from './format.js'
import {newJobId} from './job-id.js'
import {messageText, parseMessageJson, toJson} from './json.js'
import {type BatchRef, type ChainStep, type JobEnvelope} from './types.js'
import {assertEnvelope, ENVELOPE_VERSION} from './validate.js'

/**
 * The wire format of a job: one JSON object per Kafka message value, versioned by its `kq`
 * field, plus three headers that repeat what tools filter on. Producers in other languages
 * write it too, so it is specified in docs/envelope.md and docs/envelope.schema.json, and this
 * module is pure: no clock, no randomness, no I/O except through injectable defaults.
 */

export {
  type EncryptionKey,
  type Keyring,
  type SealedPayload,
  UnsealError,
  encryptionKey,
  parseKeyText,
} from './encryption.js'
export {EnvelopeError, type EnvelopeProblem} from './errors.js'
export {type OpenChainStep, openChainSteps, sealChainSteps, sealEnvelopePayload} from './sealing.js'
export {isJobId, jobIdTime, newJobId} from './job-id.js'
export {ENVELOPE_VERSION, MAX_JOB_NAME_LENGTH} from './validate.js'
export type {BatchRef, ChainStep, JobEnvelope} from './types.js'

/**
 * Kafka header names kq writes (values are plain UTF-8 strings). `kq-attempt` is written on
 * retries only: a message without it is a first attempt; `kq-key-id` on encrypted jobs only.
 */
export const HEADERS = {job: 'kq-job', jobId: 'kq-job-id', attempt: 'kq-attempt', keyId: 'kq-key-id'} as const

/**
 * The default for KQ_MAX_MESSAGE_BYTES: Kafka's own default message.max.bytes is 1048588, so a
 * job of 1 MB plus its headers and batch overhead still fits.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_000_000

export interface EnvelopeInput<P> {
  job: string
  queue: string
  payload: P
  maxTries?: number
  timeout?: number
  backoff?: number[]
  chain?: ChainStep[]
  chainCatch?: {job: string; queue: string}
  batch?: BatchRef
}

export interface CreateEnvelopeOptions {
  /** The clock for dispatchedAt. @defaultValue () => new Date() */
  now?: () => Date
  /** A job id to use instead of a new one. @defaultValue newJobId(now) */
  id?: string
}

/**
 * A first attempt of a job, checked. The id's timestamp and dispatchedAt come from the same
 * clock reading, so they agree.
 */
export function createEnvelope<P>(input: EnvelopeInput<P>, options: CreateEnvelopeOptions = {}): JobEnvelope<P> {
  const now = options.now?.() ?? new Date()
  const envelope: JobEnvelope<P> = {
    kq: ENVELOPE_VERSION,
    id: options.id ?? newJobId(now.getTime()),
    job: input.job,
    queue: input.queue,
    attempt: 1,
    dispatchedAt: now.toISOString(),
    ...(input.maxTries !== undefined && {maxTries: input.maxTries}),
    ...(input.timeout !== undefined && {timeout: input.timeout}),
    ...(input.backoff !== undefined && {backoff: [...input.backoff]}),
    ...(input.chain !== undefined && input.chain.length > 0 && {chain: input.chain}),
    ...(input.chainCatch !== undefined && {chainCatch: input.chainCatch}),
    ...(input.batch !== undefined && {batch: input.batch}),
    // Last, so that a console consumer shows the job's name and id before a long payload.
    payload: input.payload,
  }
  assertEnvelope(envelope, 'job envelope')
  return envelope
}

export interface EncodedEnvelope {
  /** The Kafka message value: the envelope as UTF-8 JSON. */
  value: Buffer
  /** The Kafka headers: job name, job id and attempt, as strings. */
  headers: Record<string, string>
}

/**
 * The Kafka value and headers of a job, after checking it by the rules decode applies: a
 * message kq sends is one every kq worker can read. Refuses a value over `maxBytes`, because
 * the broker would refuse it anyway, later and less clearly.
 */
export function encodeEnvelope(envelope: JobEnvelope, options: {maxBytes?: number} = {}): EncodedEnvelope {
  assertEnvelope(envelope, 'job envelope')
  return finishEncoding(envelope.job, envelope.id, envelope.attempt, toJson(envelope), options.maxBytes, envelope.encrypted?.key)
}

/** The value as bytes and the headers, refusing a value the broker would refuse for its size. */
function finishEncoding(job: string, id: string, attempt: number, json: string, maxBytes = DEFAULT_MAX_MESSAGE_BYTES, keyId?: string): EncodedEnvelope {
  const value = Buffer.from(json, 'utf8')
  if (value.length > maxBytes) throw tooLarge(job, value.length, maxBytes)

  const headers: Record<string, string> = {[HEADERS.job]: job, [HEADERS.jobId]: id}
  if (keyId !== undefined) headers[HEADERS.keyId] = keyId
  // First attempts, by far the most messages, go without: each header costs the Kafka client
  // about as much as a quarter of the message (see bench/results/dispatch.md).
  if (attempt > 1) headers[HEADERS.attempt] = String(attempt)
  return {value, headers}
}

function tooLarge(job: string, size: number, maxBytes: number): EnvelopeError {
  const shown = describeSize(size, maxBytes)
  return new EnvelopeError(
    'too-large',
    `job ${job} is ${shown.size}, more than the ${shown.limit} limit (KQ_MAX_MESSAGE_BYTES): send a reference to the data (an id, a URL) instead of the data`,
  )
}

/** Makes first attempts of one job for one queue, fast; see envelopeEncoder. */
export interface EnvelopeEncoder {
  /** A new job with this payload: the same bytes encodeEnvelope(createEnvelope(...)) gives. */
  encode(payload: unknown): EncodedEnvelope & {id: string}
  /**
   * The same, from the payload's JSON text, which the caller has parsed already (a bulk
   * dispatch parses every line to check it): the text goes into the message as it is.
   */
  encodeJson(payloadJson: string): EncodedEnvelope & {id: string}
  /** Throws the error encodeJson would for a payload too large, without building the message. */
  assertFits(payloadJson: string): void
  /**
   * The message's JSON text alone, for a payload that passed assertFits: no size check and no
   * bytes made, because the Kafka client makes them anyway. The bulk dispatch's fast path.
   */
  messageJson(payloadJson: string): {id: string; json: string}
  /**
   * The same message as bytes, from the payload's JSON bytes, for a payload in the clear
   * (undefined for an encrypted job): the bulk dispatch's lines are bytes already, and a value
   * made as bytes is copied into the record, not encoded again.
   */
  messageBytes?: (payloadJson: Buffer) => {id: string; value: Buffer}
  /** The id of the key payloads are encrypted with, for the kq-key-id header; undefined: in the clear. */
  keyId?: string
}

export interface EnvelopeEncoderOptions extends CreateEnvelopeOptions {
  maxBytes?: number
  /** Encrypt every payload with this key (a job class with `encrypted = true`). */
  encryptWith?: EncryptionKey
  /** The IV of each encryption. @defaultValue 12 random bytes */
  iv?: () => Buffer
}

/**
 * New jobs of one kind, encoded without checking their fixed fields again for each: the job,
 * queue and options are checked once, here, and each message is the template's text with a new
 * id, time and payload. A bulk dispatch of 100,000 jobs spends its time sending, not checking.
 */
export function envelopeEncoder(
  template: Omit<EnvelopeInput<unknown>, 'payload'>,
  options: EnvelopeEncoderOptions = {},
): EnvelopeEncoder {
  const key = options.encryptWith
  const sample = createEnvelope({...template, payload: null}, options)
  // The template's text around the parts that change, in createEnvelope's field order.
  // '<' cannot occur in a job or queue name, so the markers are found only where they were put.
  const [before, after] = JSON.stringify({...sample, id: '<id>', dispatchedAt: '<time>'}).split('"<id>"')
  const [middle, tail] = after.split('"<time>"')
  // An encrypted job's text ends with "encrypted" where others have "payload".
  const end = key ? `${tail.slice(0, tail.lastIndexOf('"payload":null'))}"encrypted":` : tail.slice(0, tail.lastIndexOf('null'))
  // Jobs made in the same millisecond share its text: one toISOString a millisecond.
  let lastMs = Number.NaN
  let lastTime = ''
  const stamp = () => {
    const now = options.now?.() ?? new Date()
    const ms = now.getTime()
    if (ms !== lastMs) {
      lastMs = ms
      lastTime = now.toISOString()
    }

    return ms
  }

  const messageJson = (payloadJson: string) => {
    const id = newJobId(stamp())
    const value = key ? JSON.stringify(sealPayload(payloadJson, key, {id, job: sample.job}, options.iv?.())) : payloadJson
    return {id, json: `${before}"${id}"${middle}"${lastTime}"${end}${value}}`}
  }

  // The same text around the id, the time and the payload, as bytes; the id and time are ASCII.
  const [beforeBytes, middleBytes, endBytes] = [`${before}"`, `"${middle}"`, `"${end}`].map((part) => Buffer.from(part))
  const messageBytes = (payloadJson: Buffer) => {
    const id = newJobId(stamp())
    const value = Buffer.allocUnsafe(beforeBytes.length + id.length + middleBytes.length + lastTime.length + endBytes.length + payloadJson.length + 1)
    let at = beforeBytes.copy(value, 0)
    at += value.write(id, at, 'latin1')
    at += middleBytes.copy(value, at)
    at += value.write(lastTime, at, 'latin1')
    at += endBytes.copy(value, at)
    at += payloadJson.copy(value, at)
    value[at] = 0x7d // }
    return {id, value}
  }

  const encodeJson = (payloadJson: string) => {
    const {id, json} = messageJson(payloadJson)
    return {...finishEncoding(sample.job, id, 1, json, options.maxBytes, key?.id), id}
  }

  // Every message of the template has the same length but for the payload: ids, times, IVs too.
  const overhead = Buffer.byteLength(`${before}"${sample.id}"${middle}"${sample.dispatchedAt}"${end}}`)
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES
  const assertFits = (payloadJson: string) => {
    const bytes = Buffer.byteLength(payloadJson)
    const size = overhead + (key ? sealedJsonLength(bytes, key.id) : bytes)
    if (size > maxBytes) throw tooLarge(sample.job, size, maxBytes)
  }

  return {encodeJson, encode: (payload) => encodeJson(toJson(payload)), assertFits, messageJson, ...(key ? {keyId: key.id} : {messageBytes})}
}

/**
 * The job in a Kafka message value. Whatever the bytes, it returns an envelope or throws an
 * EnvelopeError whose `problem` says what is wrong; the size is checked before anything is
 * parsed. Keys named `__proto__` are dropped wherever they appear; unknown fields are kept.
 */
export function decodeEnvelope(
  value: Buffer | string | null | undefined,
  options: {maxBytes?: number} = {},
): JobEnvelope {
  const text = messageText(value, options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES)
  const parsed = parseMessageJson(text)
  assertEnvelope(parsed, 'job message')
  return parsed
}

/**
 * The payload of a decoded job: as it came, or decrypted with the keyring when `encrypted`.
 * Throws an UnsealError when it cannot be decrypted (no such key, or changed since).
 */
export function openPayload(envelope: JobEnvelope, keyring: Keyring | undefined): unknown {
  if (envelope.encrypted === undefined) return envelope.payload
  return parseMessageJson(openSealedPayload(envelope.encrypted, keyring, envelope))
}
