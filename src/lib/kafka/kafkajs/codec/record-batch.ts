import {crc32c} from './crc32c.js'
import {Encoded} from './encoded.js'

/**
 * An uncompressed record batch (message format v2) written once into a buffer of its exact size:
 * what kafkajs's RecordBatch() makes, byte for byte. kafkajs writes it through three encoders
 * that start at 512 bytes and double as they fill, copying a 1,000-record batch six times or so.
 * encodeRecordBatch() returns undefined for a compressed batch, which kafkajs's own then writes
 * (see scripts/bundle.mjs; test/.../codec/record-batch.test.ts compares the two).
 */

/** kafkajs's 64-bit integer, as its Long.fromValue makes it. */
interface Long {
  getHighBits(): number
  getLowBits(): number
}

export interface RecordBatchInput {
  compression?: number
  firstOffset?: unknown
  firstTimestamp?: unknown
  maxTimestamp?: unknown
  partitionLeaderEpoch?: number
  lastOffsetDelta?: number
  transactional?: boolean
  producerId?: unknown
  producerEpoch?: number
  firstSequence?: number
  records?: unknown[]
}

const MAGIC_BYTE = 2
const TRANSACTIONAL = 16
const COMPRESSION_NONE = 0
/** Base offset, batch length, leader epoch, magic byte, CRC. */
const HEAD_BYTES = 8 + 4 + 4 + 1 + 4
/** Attributes to the record count: what the CRC covers before the records. */
const BODY_HEAD_BYTES = 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4

export function encodeRecordBatch(input: RecordBatchInput, toLong: (value: unknown) => Long): Encoded | undefined {
  const now = Date.now()
  const {
    compression = COMPRESSION_NONE,
    firstOffset = 0,
    firstTimestamp = now,
    maxTimestamp = now,
    partitionLeaderEpoch = 0,
    lastOffsetDelta = 0,
    transactional = false,
    producerId = -1,
    producerEpoch = 0,
    firstSequence = 0,
    records = [],
  } = input
  if (compression !== COMPRESSION_NONE) return undefined
  const parts: Buffer[] = []
  let recordBytes = 0
  for (const record of records) {
    const buffer = (record as {buf?: unknown; buffer?: unknown} | null)?.buf
    if (!Buffer.isBuffer(buffer)) return undefined
    const bytes = (record as {buffer: Buffer}).buffer
    parts.push(bytes)
    recordBytes += bytes.length
  }

  const batchLength = HEAD_BYTES - 12 + BODY_HEAD_BYTES + recordBytes
  const buf = Buffer.allocUnsafe(12 + batchLength)
  writeLong(buf, 0, toLong(firstOffset))
  buf.writeInt32BE(batchLength, 8)
  buf.writeInt32BE(partitionLeaderEpoch, 12)
  buf.writeInt8(MAGIC_BYTE, 16)
  const bodyStart = HEAD_BYTES
  let at = buf.writeInt16BE(transactional ? TRANSACTIONAL : 0, bodyStart)
  at = buf.writeInt32BE(lastOffsetDelta, at)
  at = writeLong(buf, at, toLong(firstTimestamp))
  at = writeLong(buf, at, toLong(maxTimestamp))
  at = writeLong(buf, at, toLong(producerId))
  at = buf.writeInt16BE(producerEpoch, at)
  at = buf.writeInt32BE(firstSequence, at)
  at = buf.writeInt32BE(records.length, at)
  for (const part of parts) at += part.copy(buf, at)
  buf.writeUInt32BE(crc32c(buf.subarray(bodyStart)), 17)
  return new Encoded(buf)
}

function writeLong(buf: Buffer, at: number, value: Long): number {
  buf.writeInt32BE(value.getHighBits(), at)
  return buf.writeInt32BE(value.getLowBits(), at + 4)
}
