import {strict as assert} from 'node:assert'
import {createRequire} from 'node:module'

import {encodeRecord} from '../../../../../src/lib/kafka/kafkajs/codec/record.js'
import {type RecordBatchInput, encodeRecordBatch} from '../../../../../src/lib/kafka/kafkajs/codec/record-batch.js'

// kafkajs's own batch encoder, which encodeRecordBatch stands in for in kq's bundle, and its Long.
const require = createRequire(import.meta.url)
const {RecordBatch} = require('kafkajs/src/protocol/recordBatch/v0') as {RecordBatch(input: RecordBatchInput): Promise<{buffer: Buffer; size(): number}>}
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (input: object) => unknown
const Long = require('kafkajs/src/utils/long') as {fromValue(value: unknown): {getHighBits(): number; getLowBits(): number}}
const toLong = (value: unknown) => Long.fromValue(value)

describe('record batch encoding (kafkajs record batch v0)', () => {
  // Every input names its times: left out, each encoder would read the clock at its own moment.
  it('writes exactly the bytes kafkajs writes, for records of either encoder and every field', async () => {
    const records = (count: number) =>
      Array.from({length: count}, (_, index) => {
        const input = {offsetDelta: index, timestampDelta: index * 3, key: index % 3 === 0 ? null : `k${index}`, value: `{"n":${index}}`, headers: {'kq-job': 'A'}}
        return index % 2 === 0 ? Record(input) : encodeRecord(input)
      })
    const inputs: RecordBatchInput[] = [
      {records: records(1000), firstTimestamp: 1_764_547_200_000, maxTimestamp: 1_764_547_200_999, lastOffsetDelta: 999},
      {records: records(3), firstTimestamp: 7, maxTimestamp: 9, producerId: toLong('123456789012'), producerEpoch: 7, firstSequence: 2_000_000_000, transactional: true, partitionLeaderEpoch: 12},
      {records: [], firstTimestamp: 5, maxTimestamp: 5, firstOffset: toLong(42)},
      {records: records(2), firstTimestamp: '1764547200000', maxTimestamp: '1764547200001', compression: 0},
    ]
    for (const [index, input] of inputs.entries()) {
      const [ours, theirs] = [encodeRecordBatch(input, toLong), await RecordBatch(input)]
      assert.deepEqual(ours?.buffer, theirs.buffer, `batch ${index}`)
      // kafkajs's produce request reads a batch's size() as well as its bytes.
      assert.equal(ours?.size(), theirs.size())
    }
  })

  it('leaves a compressed batch, or records that are not encoders, to kafkajs', () => {
    assert.equal(encodeRecordBatch({compression: 1, records: []}, toLong), undefined)
    assert.equal(encodeRecordBatch({records: [{value: 'x'}]}, toLong), undefined)
  })
})
