/**
 * The records of a fetched partition, as kafkajs's fetch decoder reads them, without its
 * exception at the end of every response. The broker cuts a fetch at its byte limit, so the last
 * record batch is usually partial; kafkajs finds out by throwing and catching an error, with its
 * stack trace, once a fetch: a tenth of a draining worker's CPU. This looks at the batch's length
 * first and stops in the same place (test/.../codec/decode-messages.test.ts compares the two).
 */

/** The part of kafkajs's Decoder this reads. */
export interface MessagesDecoder {
  offset: number
  buffer: Buffer
  readInt32(): number
  readBytes(size: number): Buffer
  canReadBytes(size: number): boolean
}

export interface KafkajsFetchParts {
  Decoder: new (buffer: Buffer) => MessagesDecoder
  MessageSetDecoder(decoder: MessagesDecoder, size: number): unknown[]
  RecordBatchDecoder(decoder: MessagesDecoder): Promise<{records: unknown[]}>
  MAGIC_BYTE: number
}

/** Where every message format keeps its magic byte, from a batch's start. */
const MAGIC_OFFSET = 16
/** The bytes of a record batch before its records. */
const RECORD_BATCH_OVERHEAD = 49
/** A record batch starts with its base offset (8 bytes), then its length (4). */
const LENGTH_OFFSET = 8
const LENGTH_END = 12

export function messagesDecoder({Decoder, MessageSetDecoder, RecordBatchDecoder, MAGIC_BYTE}: KafkajsFetchParts) {
  return async (decoder: MessagesDecoder): Promise<unknown[]> => {
    const size = decoder.readInt32()
    if (size <= 0 || !decoder.canReadBytes(size)) return []
    const bytes = decoder.readBytes(size)
    const batches = new Decoder(bytes)
    if (bytes.subarray(MAGIC_OFFSET).readInt8(0) !== MAGIC_BYTE) return MessageSetDecoder(batches, size)

    const records: unknown[] = []
    while (batches.canReadBytes(RECORD_BATCH_OVERHEAD)) {
      // A batch cut by the fetch's byte limit ends the records, as kafkajs's partial-batch error does.
      const length = bytes.readInt32BE(batches.offset + LENGTH_OFFSET)
      if (bytes.length - (batches.offset + LENGTH_END) < length) break
      let batch
      try {
        batch = await RecordBatchDecoder(batches)
      } catch (error) {
        // As kafkajs: a partial batch found any other way ends the records too.
        if ((error as Error).name === 'KafkaJSPartialMessageError') break
        throw error
      }

      for (const record of batch.records) records.push(record)
    }

    return records
  }
}
