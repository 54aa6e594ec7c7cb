import {strict as assert} from 'node:assert'
import {createRequire} from 'node:module'

import {type GroupInput, groupMessagesPerPartition} from '../../../../../src/lib/kafka/kafkajs/codec/group-by-partition.js'

// kafkajs's own, which this stands in for in kq's bundle.
const kafkajsGroup = createRequire(import.meta.url)('kafkajs/src/producer/groupMessagesPerPartition') as (input: GroupInput<unknown>) => unknown

describe('grouping messages by partition', () => {
  it('groups as kafkajs does, in the same order, whatever partition each message gets', () => {
    const messages = Array.from({length: 500}, (_, index) => ({value: `m${index}`, partition: (index * 7) % 5}))
    const input = {topic: 't', partitionMetadata: [{}, {}, {}, {}, {}], messages, partitioner: ({message}: {message: {partition: number}}) => message.partition}
    assert.deepEqual(groupMessagesPerPartition(input as GroupInput<unknown>), kafkajsGroup(input as GroupInput<unknown>))
  })

  it('gives no groups for a topic without partition metadata, as kafkajs does', () => {
    const input = {topic: 't', partitionMetadata: [], messages: [{value: 'x'}], partitioner: () => 0}
    assert.deepEqual(groupMessagesPerPartition(input), kafkajsGroup(input))
    assert.deepEqual(groupMessagesPerPartition(input), {})
  })
})
