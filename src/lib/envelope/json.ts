import {isUtf8} from 'node:buffer'

import {EnvelopeError} from './errors.js'
import {describeCharacter, describeSize} from './format.js'

/**
 * From a Kafka message value to a JSON value, or an EnvelopeError saying which step failed:
 * size, UTF-8, JSON. Nothing else may escape, whatever the bytes, because a worker must be able
 * to set a bad message aside and carry on.
 */

/**
 * A `__proto__` key, written plainly or with escapes (`"\u005f_proto__"`). JSON.parse keeps
 * such a key as an ordinary property, but code that later copies the object with
 * `Object.assign` or a deep merge would set a prototype from it; so the rare message that has
 * one is parsed again without it.
 */
const PROTO_KEY =
  /"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"\s*:/

const BYTE_ORDER_MARK = '\uFEFF'
const REPLACEMENT_CHARACTER = '\uFFFD'

/** A message value as bytes or text, after the size limit is checked. */
export function messageText(value: unknown, maxBytes: number): string {
  if (value === null || value === undefined) {
    throw new EnvelopeError('empty', 'job message has no value (a tombstone?): a kq job is a JSON envelope')
  }

  let text: string
  if (typeof value === 'string') {
    checkSize(Buffer.byteLength(value, 'utf8'), maxBytes)
    text = value
  } else if (value instanceof Uint8Array) {
    const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    checkSize(bytes.length, maxBytes)
    text = bytes.toString('utf8')
    // Decoding replaces bad bytes with U+FFFD: text without one was valid UTF-8, and only the rare
    // text with one (bad bytes, or the character itself) is checked byte by byte.
    if (text.includes(REPLACEMENT_CHARACTER) && !isUtf8(bytes)) {
      throw new EnvelopeError(
        'not-json',
        `job message is not UTF-8 text (invalid bytes at offset ${firstInvalidUtf8(bytes)}): a kq job is a JSON envelope in UTF-8`,
      )
    }
  } else {
    throw new EnvelopeError('not-json', `job message value is ${typeof value}, not bytes or text`)
  }

  // A byte order mark is legal at the start of UTF-8 text, and some Windows tools write one.
  if (text.startsWith(BYTE_ORDER_MARK)) text = text.slice(1)
  if (text.trim() === '') {
    throw new EnvelopeError('empty', 'job message is empty: a kq job is a JSON envelope')
  }

  return text
}

function checkSize(bytes: number, maxBytes: number): void {
  if (bytes <= maxBytes) return
  const shown = describeSize(bytes, maxBytes)
  throw new EnvelopeError(
    'too-large',
    `job message is ${shown.size}, more than the ${shown.limit} limit (KQ_MAX_MESSAGE_BYTES): raise KQ_MAX_MESSAGE_BYTES for the workers, or have producers send a reference to the data instead`,
  )
}

/**
 * The JSON value of a message's text, without `__proto__` keys, or an EnvelopeError saying
 * where it broke. Not lib/text's parseJson: a message's error names the character offset, as
 * for bytes, and must never escape as anything but an EnvelopeError.
 */
export function parseMessageJson(text: string): unknown {
  try {
    // Most messages contain neither the word nor an escape: skip the regular expression then.
    const mayHaveProtoKey = (text.includes('proto') || text.includes('\\u')) && PROTO_KEY.test(text)
    return mayHaveProtoKey
      ? JSON.parse(text, (key, value: unknown) => (key === '__proto__' ? undefined : value))
      : JSON.parse(text)
  } catch (error) {
    throw new EnvelopeError('not-json', `job message is not valid JSON (${jsonErrorDetail(error)})`, {cause: error})
  }
}

/**
 * Where JSON.parse stopped, from V8's message but without the excerpt of the input that V8
 * sometimes adds: it may span lines or hold private data.
 */
function jsonErrorDetail(error: unknown): string {
  // V8 parses iteratively but revives recursively: deep nesting can only fail the second way.
  if (error instanceof RangeError) return 'nested too deeply'
  const message = error instanceof Error ? error.message : String(error)
  const atPosition = /^(.+?) (in|after) JSON at position (\d+)/s.exec(message)
  if (atPosition) {
    const where = atPosition[2] === 'after' ? 'after the JSON value, ' : ''
    return `${lowerFirst(atPosition[1])} ${where}at character ${atPosition[3]}`
  }

  const token = /^Unexpected token '(.)',/su.exec(message)
  if (token) return `unexpected character ${describeCharacter(token[1])}`
  if (/^Unexpected end of JSON input/.test(message)) return 'it ends too soon: cut short?'
  const firstLine = message.split('\n', 1)[0]
  return lowerFirst(firstLine.length > 80 ? `${firstLine.slice(0, 80)}...` : firstLine)
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1)
}

/**
 * Offset of the first byte that starts no valid UTF-8 sequence, by the rules of the WHATWG
 * decoder (no overlong forms, no surrogates, nothing above U+10FFFF); -1 if there is none.
 * Only called once Node has said the bytes are bad, to say where.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let index = 0
  while (index < bytes.length) {
    const lead = bytes[index]
    if (lead < 0x80) {
      index += 1
      continue
    }

    const rule = sequenceRule(lead)
    if (rule === undefined || index + rule.length > bytes.length) return index
    const second = bytes[index + 1]
    if (second < rule.low || second > rule.high) return index
    for (let next = index + 2; next < index + rule.length; next += 1) {
      if (bytes[next] < 0x80 || bytes[next] > 0xbf) return index
    }

    index += rule.length
  }

  return -1
}

/** Length of the sequence a lead byte starts, and the range its second byte must be in. */
function sequenceRule(lead: number): {length: number; low: number; high: number} | undefined {
  if (lead >= 0xc2 && lead <= 0xdf) return {length: 2, low: 0x80, high: 0xbf}
  if (lead === 0xe0) return {length: 3, low: 0xa0, high: 0xbf}
  if (lead === 0xed) return {length: 3, low: 0x80, high: 0x9f}
  if (lead >= 0xe1 && lead <= 0xef) return {length: 3, low: 0x80, high: 0xbf}
  if (lead === 0xf0) return {length: 4, low: 0x90, high: 0xbf}
  if (lead >= 0xf1 && lead <= 0xf3) return {length: 4, low: 0x80, high: 0xbf}
  if (lead === 0xf4) return {length: 4, low: 0x80, high: 0x8f}
  return undefined
}

/** JSON text of a value, or an EnvelopeError on the payload when it is not plain data. */
export function toJson(value: unknown): string {
  let json: string | undefined
  try {
    json = JSON.stringify(value)
  } catch (error) {
    // JSON.stringify fails on BigInt values and cycles (TypeError), and on nesting deeper than
    // the stack (RangeError).
    const firstLine = (error instanceof Error ? error.message : String(error)).split('\n', 1)[0]
    const reason = error instanceof RangeError ? 'nested too deeply' : firstLine.charAt(0).toLowerCase() + firstLine.slice(1)
    throw new EnvelopeError(
      'invalid-field',
      `job envelope field "payload" cannot be written as JSON (${reason}): make it plain data`,
      {field: 'payload', cause: error},
    )
  }

  if (json === undefined) {
    throw new EnvelopeError('invalid-field', 'job envelope field "payload" must be a JSON value, got undefined', {
      field: 'payload',
    })
  }

  return json
}
