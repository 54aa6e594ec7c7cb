import {strict as assert} from 'node:assert'
import {createRequire} from 'node:module'

import {type KafkajsFetchParts, type MessagesDecoder, messagesDecoder} from '../../../../../src/lib/kafka/kafkajs/codec/decode-messages.js'

// kafkajs's own pieces, and the fetch decoder this stands in for in kq's bundle.
const require = createRequire(import.meta.url)
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (input: object) => unknown
const {RecordBatch, MAGIC_BYTE} = require('kafkajs/src/protocol/recordBatch/v0') as {RecordBatch(input: object): Promise<{buffer: Buffer}>; MAGIC_BYTE: number}
const Decoder = require('kafkajs/src/protocol/decoder') as KafkajsFetchParts['Decoder']
const kafkajsDecodeMessages = require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages') as (decoder: MessagesDecoder) => Promise<unknown[]>
const decodeMessages = messagesDecoder({
  Decoder,
  MessageSetDecoder: require('kafkajs/src/protocol/messageSet/decoder'),
  RecordBatchDecoder: require('kafkajs/src/protocol/recordBatch/v0/decoder'),
  MAGIC_BYTE,
})

/** A fetched partition's record set: batches of `perBatch` records, cut to `keep` bytes as a fetch's byte limit cuts it. */
async function recordSet(batches: number, perBatch: number, keep?: number): Promise<Buffer> {
  const encoded: Buffer[] = []
  for (let batch = 0; batch < batches; batch++) {
    const records = Array.from({length: perBatch}, (_, index) =>
      Record({offsetDelta: index, timestampDelta: index, value: `{"job":${batch * perBatch + index}}`, headers: {'kq-job': 'A'}}),
    )
    const body = (await RecordBatch({records, firstTimestamp: 1_764_547_200_000, maxTimestamp: 1_764_547_200_100, lastOffsetDelta: perBatch - 1})).buffer
    // RecordBatch leaves the base offset at 0: each batch its own.
    body.writeBigInt64BE(BigInt(batch * perBatch), 0)
    encoded.push(body)
  }

  const all = Buffer.concat(encoded)
  const set = keep === undefined ? all : all.subarray(0, keep)
  const sized = Buffer.alloc(4 + set.length)
  sized.writeInt32BE(set.length, 0)
  set.copy(sized, 4)
  return sized
}

describe("a fetch's records (kafkajs fetch v4+)", () => {
  it('reads the same records as kafkajs, whole and cut anywhere in the last batch', async () => {
    const whole = await recordSet(3, 20)
    const cuts = [undefined, whole.length - 4 - 1, whole.length - 4 - 100, Math.floor((whole.length - 4) * 0.7), 30, 0]
    for (const keep of cuts) {
      const bytes = await recordSet(3, 20, keep)
      const ours = await decodeMessages(new Decoder(bytes))
      const theirs = await kafkajsDecodeMessages(new Decoder(bytes))
      assert.deepEqual(ours, theirs, `cut at ${keep}`)
    }

    assert.equal((await decodeMessages(new Decoder(whole))).length, 60)
    // Cut inside the third batch: the first two.
    assert.equal((await decodeMessages(new Decoder(await recordSet(3, 20, whole.length - 4 - 1)))).length, 40)
  })
})
