import {strict as assert} from 'node:assert'

import {type MetadataResponse, leaderlessTolerantParse} from '../../../../src/lib/kafka/kafkajs/metadata-parse.js'

/** kafkajs's own parse stands behind: here, one that refuses whatever it is given, as it would. */
const parse = leaderlessTolerantParse<MetadataResponse>(async () => {
  throw new Error('refused by kafkajs')
})
const response = (topicErrorCode: number, ...partitionErrorCodes: number[]): MetadataResponse => ({
  topicMetadata: [{topicErrorCode, partitionMetadata: partitionErrorCodes.map((partitionErrorCode) => ({partitionErrorCode}))}],
})

describe('the parse of a Metadata response', () => {
  it('takes partitions without a leader (5) or with a replica down (9) as their state, not a refusal', async () => {
    const leaderless = response(0, 0, 5, 9)
    assert.equal(await parse(leaderless), leaderless)
  })

  it('leaves a topic error, and any other partition error, to kafkajs', async () => {
    await assert.rejects(parse(response(3, 0)), /refused by kafkajs/)
    await assert.rejects(parse(response(0, 5, 29)), /refused by kafkajs/)
  })
})
