import {strict as assert} from 'node:assert'
import {createRequire} from 'node:module'

import {type BatchContext, type RecordDecoder, recordDecoder} from '../../../../../src/lib/kafka/kafkajs/codec/decode-record.js'

// kafkajs's own record encoder and decoder, and its Decoder: what recordDecoder stands in for in kq's bundle.
const require = createRequire(import.meta.url)
const encode = require('kafkajs/src/protocol/recordBatch/record/v0') as (input: object) => {buffer: Buffer}
const kafkajsDecode = require('kafkajs/src/protocol/recordBatch/record/v0/decoder') as (decoder: RecordDecoder, context?: BatchContext) => unknown
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => RecordDecoder & {readVarInt(): number}
const decode = recordDecoder(kafkajsDecode)

/** A record's bytes after its length, as the batch decoder hands them over, both ways. */
function bothWays(record: object, context: BatchContext): {ours: unknown; theirs: unknown; oursAt: number; theirsAt: number} {
  const bytes = Buffer.concat([Buffer.from([9, 9]), encode(record).buffer, Buffer.from([7])])
  const read = (decodeOne: typeof kafkajsDecode) => {
    const decoder = new Decoder(bytes)
    decoder.offset = 2
    decoder.readVarInt()
    return {value: decodeOne(decoder, context), at: decoder.offset}
  }

  const ours = read(decode)
  const theirs = read(kafkajsDecode)
  return {ours: ours.value, theirs: theirs.value, oursAt: ours.at, theirsAt: theirs.at}
}

describe('record decoding (kafkajs record v0)', () => {
  const context: BatchContext = {firstOffset: '1234567', firstTimestamp: '1764547200000', magicByte: 2, timestampType: 0, maxTimestamp: '1764547200999'}

  it('reads to the same object as kafkajs, and as far', () => {
    const records = [
      {value: '{"kq":1}', headers: {'kq-job': 'SendEmail', 'kq-job-id': 'abc'}, offsetDelta: 3, timestampDelta: 17},
      {key: 'user-1', value: Buffer.from([0, 1, 2]), headers: {a: ['1', '2', '3'], b: Buffer.from('x'), 'é中': 'v'}, offsetDelta: 300_000, timestampDelta: 86_400_000},
      {key: null, value: null, headers: {}, offsetDelta: 0, timestampDelta: 0},
      {value: 'x'.repeat(70_000), headers: {'': ''}, offsetDelta: 2 ** 29, timestampDelta: 2 ** 40},
    ]
    for (const [index, record] of records.entries()) {
      for (const batch of [context, {...context, timestampType: 1}, {...context, isControlBatch: true}, {...context, firstOffset: '-1', firstTimestamp: '-1'}]) {
        const {ours, theirs, oursAt, theirsAt} = bothWays(record, batch)
        assert.deepEqual(ours, theirs, `record ${index}`)
        assert.deepEqual(Object.keys(ours as object), Object.keys(theirs as object))
        assert.equal(oursAt, theirsAt)
      }
    }
  })

  it('hands kafkajs, from the record start, what it does not read itself: huge offsets, odd bases, a __proto__ header', () => {
    const cases: Array<[object, BatchContext]> = [
      [{value: 'x', timestampDelta: 0}, {...context, firstOffset: '9007199254740993'}],
      [{value: 'x', timestampDelta: 0}, {...context, firstTimestamp: '00012'}],
      [{value: 'x', timestampDelta: 2 ** 60}, context],
      [{value: 'x', headers: {['__proto__']: 'polluted'}}, context],
    ]
    for (const [record, batch] of cases) {
      const {ours, theirs, oursAt, theirsAt} = bothWays(record, batch)
      assert.equal(JSON.stringify(ours), JSON.stringify(theirs))
      assert.equal(oursAt, theirsAt)
    }

    const {ours} = bothWays({value: 'x', headers: {['__proto__']: 'polluted'}}, context)
    assert.equal(Object.getPrototypeOf((ours as {headers: object}).headers), Object.prototype)
  })
})
