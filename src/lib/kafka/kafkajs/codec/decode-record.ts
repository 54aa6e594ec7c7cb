/**
 * One fetched record decoded as kafkajs's record decoder decodes it, to the same object: without
 * its 64-bit integer objects for offsets and times (plain numbers are exact below 2^53) and
 * without rebuilding the headers object once per header. kq's bundle uses it in place of
 * kafkajs's (scripts/bundle.mjs); anything outside those bounds is left to kafkajs's own, from
 * where the record starts (test/.../codec/decode-record.test.ts compares the two).
 */

/** The part of kafkajs's Decoder this reads, and moves past the record. */
export interface RecordDecoder {
  buffer: Buffer
  offset: number
}

export interface BatchContext {
  firstOffset?: string
  firstTimestamp?: string
  magicByte?: number
  isControlBatch?: boolean
  timestampType?: number
  maxTimestamp?: string
}

type KafkajsDecode = (decoder: RecordDecoder, batchContext?: BatchContext) => unknown

const LOG_APPEND_TIME = 1

/** A decoder of records that falls back to kafkajs's for what it does not read itself. */
export function recordDecoder(kafkajsDecode: KafkajsDecode): KafkajsDecode {
  return (decoder, batchContext = {}) => {
    const start = decoder.offset
    const record = decodeRecord(decoder, batchContext)
    if (record !== undefined) return record
    decoder.offset = start
    return kafkajsDecode(decoder, batchContext)
  }
}

/** The record, or undefined (with the decoder moved somewhere) when kafkajs's must decode it. */
function decodeRecord(decoder: RecordDecoder, batchContext: BatchContext): object | undefined {
  const {firstOffset, firstTimestamp, magicByte, isControlBatch = false, timestampType, maxTimestamp} = batchContext
  const {buffer} = decoder
  const attributes = buffer.readInt8(decoder.offset++)
  const timestampDelta = readVarLong(decoder)
  if (timestampDelta === undefined) return undefined
  let timestamp: string | undefined
  if (timestampType === LOG_APPEND_TIME && maxTimestamp) {
    timestamp = maxTimestamp
  } else {
    timestamp = sum(firstTimestamp, timestampDelta)
    if (timestamp === undefined) return undefined
  }

  const offset = sum(firstOffset, readVarInt(decoder))
  if (offset === undefined) return undefined
  const key = readBytes(decoder)
  const value = readBytes(decoder)
  const count = readVarInt(decoder)
  const headers: Record<string, Buffer | null | Array<Buffer | null>> = {}
  for (let index = 0; index < count; index++) {
    const length = readVarInt(decoder)
    const name = length === -1 ? 'null' : buffer.toString('utf8', decoder.offset, (decoder.offset += length))
    // Set by assignment, this name would change the object's prototype, not add a header.
    if (name === '__proto__') return undefined
    const headerValue = readBytes(decoder)
    const seen = headers[name]
    headers[name] = seen === undefined ? headerValue : Array.isArray(seen) ? [...seen, headerValue] : [seen, headerValue]
  }

  return {magicByte, attributes, timestamp, offset, key, value, headers, isControlRecord: isControlBatch, batchContext}
}

/** The last base read, and its value: a batch's records share their two bases. */
let lastBase: string | undefined
let lastBaseValue = Number.NaN

/** A base (kafkajs keeps it as a decimal string) plus a delta, as a decimal string, when exact. */
function sum(base: string | undefined, delta: number): string | undefined {
  if (base === undefined) return undefined
  if (base !== lastBase) {
    const value = Number(base)
    // Number('') is 0 and Number('1e3') 1000, which kafkajs's Long reads otherwise: only canonical decimals.
    lastBaseValue = String(value) === base ? value : Number.NaN
    lastBase = base
  }

  const total = lastBaseValue + delta
  return Number.isSafeInteger(total) ? String(total) : undefined
}

/** As kafkajs's Decoder.readVarInt, to the same (32-bit) result. */
function readVarInt(decoder: RecordDecoder): number {
  const {buffer} = decoder
  let result = 0
  let shift = 0
  let byte: number
  do {
    byte = buffer[decoder.offset++]
    result += (byte & 0x7f) << shift
    shift += 7
  } while (byte >= 0x80)

  return (result >>> 1) ^ -(result & 1)
}

/** A zigzag varlong, when it fits a safe integer; else undefined. */
function readVarLong(decoder: RecordDecoder): number | undefined {
  const {buffer} = decoder
  let result = 0
  let scale = 1
  let byte: number
  do {
    byte = buffer[decoder.offset++]
    result += (byte & 0x7f) * scale
    scale *= 128
    if (scale > 2 ** 56) return undefined
  } while (byte >= 0x80)

  if (!Number.isSafeInteger(result)) return undefined
  return result % 2 === 0 ? result / 2 : -(result + 1) / 2
}

function readBytes(decoder: RecordDecoder): Buffer | null {
  const length = readVarInt(decoder)
  if (length === -1) return null
  const start = decoder.offset
  decoder.offset += length
  return decoder.buffer.subarray(start, decoder.offset)
}
