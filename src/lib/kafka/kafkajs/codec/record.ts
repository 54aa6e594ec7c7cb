import {Encoded} from './encoded.js'

/**
 * One Kafka record (message format v2) encoded in a single buffer of its exact size: what
 * kafkajs's Record() makes, byte for byte, for the messages kq sends (keys, values and header
 * values that are strings or buffers). kafkajs makes three zero-filled 512-byte encoders for a
 * record with two headers, and copies each into the next: allocation and garbage were a third of
 * a bulk dispatch's CPU. encodeRecord() returns undefined for anything else, which kafkajs's own
 * code then encodes (see scripts/bundle.mjs: this replaces kafkajs's in kq's bundle).
 */


export interface RecordInput {
  offsetDelta?: number
  timestampDelta?: number
  key?: unknown
  value?: unknown
  headers?: unknown
}

type Bytes = Buffer | string | null

/** The record's bytes, or undefined when kafkajs must encode it (a type kq never sends). */
export function encodeRecord({offsetDelta = 0, timestampDelta = 0, key, value, headers = {}}: RecordInput): Encoded | undefined {
  if (!Number.isSafeInteger(timestampDelta) || !Number.isInteger(offsetDelta) || offsetDelta < 0 || offsetDelta > 0x3f_ff_ff_ff) return undefined
  const keyBytes = bytesOf(key)
  const valueBytes = bytesOf(value)
  const headerList = headerPairs(headers)
  if (keyBytes === undefined || valueBytes === undefined || headerList === undefined) return undefined

  let body = 1 + sizeOfVarLong(timestampDelta) + sizeOfVarInt(offsetDelta) + sizeOfField(keyBytes) + sizeOfField(valueBytes)
  body += sizeOfVarInt(headerList.length / 2)
  for (let index = 0; index < headerList.length; index += 2) body += sizeOfField(headerList[index]) + sizeOfField(headerList[index + 1])

  const buf = Buffer.allocUnsafe(sizeOfVarInt(body) + body)
  let at = writeVarInt(buf, 0, body)
  buf[at++] = 0 // attributes: none used by records
  at = writeVarLong(buf, at, timestampDelta)
  at = writeVarInt(buf, at, offsetDelta)
  at = writeField(buf, at, keyBytes)
  at = writeField(buf, at, valueBytes)
  at = writeVarInt(buf, at, headerList.length / 2)
  for (const field of headerList) at = writeField(buf, at, field)
  return new Encoded(buf)
}

/** A key or value as kafkajs takes it: null or undefined is no bytes; undefined here: not ours to encode. */
function bytesOf(value: unknown): Bytes | undefined {
  if (value === null || value === undefined) return null
  return typeof value === 'string' || Buffer.isBuffer(value) ? value : undefined
}

/** Headers in kafkajs's order (an array value is one header per item) as key, value, key, value... */
function headerPairs(headers: unknown): Array<Buffer | string> | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined
  const list: Array<Buffer | string> = []
  for (const name of Object.keys(headers)) {
    const given = (headers as Record<string, unknown>)[name]
    for (const item of Array.isArray(given) ? given : [given]) {
      if (typeof item !== 'string' && !Buffer.isBuffer(item)) return undefined
      list.push(name, item)
    }
  }

  return list
}

function sizeOfField(field: Bytes): number {
  if (field === null) return 1
  const length = typeof field === 'string' ? Buffer.byteLength(field) : field.length
  return sizeOfVarInt(length) + length
}

function writeField(buf: Buffer, at: number, field: Bytes): number {
  if (field === null) return writeVarInt(buf, at, -1)
  if (typeof field === 'string') {
    const length = Buffer.byteLength(field)
    const start = writeVarInt(buf, at, length)
    return start + buf.write(field, start, length, 'utf8')
  }

  const start = writeVarInt(buf, at, field.length)
  return start + field.copy(buf, start)
}

/** Zigzag, as Kafka's varint: small negative numbers stay short. */
function zigzag(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0
}

function sizeOfVarInt(value: number): number {
  let rest = zigzag(value)
  let size = 1
  while (rest > 0x7f) {
    rest >>>= 7
    size++
  }

  return size
}

function writeVarInt(buf: Buffer, at: number, value: number): number {
  let rest = zigzag(value)
  while (rest > 0x7f) {
    buf[at++] = (rest & 0x7f) | 0x80
    rest >>>= 7
  }

  buf[at++] = rest
  return at
}

/** Zigzag of a 64-bit value, for any safe integer: exact in a double up to 2^54. */
function zigzag64(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1
}

function sizeOfVarLong(value: number): number {
  let rest = zigzag64(value)
  let size = 1
  while (rest > 0x7f) {
    rest = Math.floor(rest / 128)
    size++
  }

  return size
}

function writeVarLong(buf: Buffer, at: number, value: number): number {
  let rest = zigzag64(value)
  while (rest > 0x7f) {
    buf[at++] = (rest % 128) | 0x80
    rest = Math.floor(rest / 128)
  }

  buf[at++] = rest
  return at
}
