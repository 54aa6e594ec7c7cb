import {strict as assert} from 'node:assert'

import {encodeHandledRanges} from '../../../src/lib/dead-letter/cursor.js'
import {deadLetterBacklog} from '../../../src/lib/dead-letter/backlog.js'
import {partitionLags, totalLag} from '../../../src/lib/monitoring/index.js'

describe('status: lag', () => {
  const offsets = [
    {partition: 1, low: 0, high: 40},
    {partition: 0, low: 5, high: 100},
    {partition: 2, low: 0, high: 7},
  ]

  it('is the log-end offset minus the committed offset on each partition, in partition order', () => {
    const committed = [
      {partition: 0, offset: 60},
      {partition: 1, offset: 40},
      {partition: 2, offset: 0},
    ]
    assert.deepEqual(partitionLags('orders', offsets, committed), [
      {topic: 'orders', partition: 0, end: 100, committed: 60, lag: 40},
      {topic: 'orders', partition: 1, end: 40, committed: 40, lag: 0},
      {topic: 'orders', partition: 2, end: 7, committed: 0, lag: 7},
    ])
  })

  it('has no lag, not a guess, on a partition without a committed offset (Kafka answers -1)', () => {
    const lags = partitionLags('orders', offsets, [{partition: 0, offset: 60}, {partition: 1, offset: -1}])
    assert.deepEqual(lags.map((each) => [each.partition, each.committed, each.lag]), [[0, 60, 40], [1, null, null], [2, null, null]])
  })

  it('totals the known lags, and is unknown when no partition has one', () => {
    assert.equal(totalLag(partitionLags('orders', offsets, [{partition: 0, offset: 60}, {partition: 2, offset: 2}])), 45)
    assert.equal(totalLag(partitionLags('orders', offsets, [{partition: 1, offset: 40}])), 0)
    assert.equal(totalLag(partitionLags('orders', offsets, [])), null)
    assert.equal(totalLag([]), null)
  })
})

describe('status: pending dead letters', () => {
  it('counts the records from the cursor group’s offset to the end of each partition', () => {
    const backlog = deadLetterBacklog(
      [{partition: 0, low: 0, high: 10}, {partition: 1, low: 0, high: 4}],
      [{partition: 0, offset: 7, metadata: null}, {partition: 1, offset: 4, metadata: null}],
    )
    assert.deepEqual(backlog, [
      {partition: 0, start: 0, end: 10, cursor: 7, pending: 3},
      {partition: 1, start: 0, end: 4, cursor: 4, pending: 0},
    ])
  })

  it('counts every stored record on a partition the cursor has never been committed on', () => {
    const [partition] = deadLetterBacklog([{partition: 0, low: 3, high: 10}], [{partition: 0, offset: -1, metadata: null}])
    assert.deepEqual(partition, {partition: 0, start: 3, end: 10, cursor: null, pending: 7})
  })

  it('counts only what is still stored when the cursor fell behind retention', () => {
    const [partition] = deadLetterBacklog([{partition: 0, low: 8, high: 10}], [{partition: 0, offset: 2, metadata: null}])
    assert.equal(partition.pending, 2)
  })

  it('leaves out the dead letters handled beyond the cursor, as the dlt commands record them', () => {
    // Offsets 6 and 8 to 9 were replayed by a selection; 4, 5 and 7 are still pending.
    const metadata = encodeHandledRanges([{from: 6, to: 6}, {from: 8, to: 9}])
    const [partition] = deadLetterBacklog([{partition: 0, low: 0, high: 10}], [{partition: 0, offset: 4, metadata}])
    assert.deepEqual(partition, {partition: 0, start: 0, end: 10, cursor: 4, pending: 3})
  })
})
