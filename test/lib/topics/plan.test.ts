import {strict as assert} from 'node:assert'

import {topicsForTopic} from '../../../src/lib/config/index.js'
import {planTopics, queueTopicSpecs} from '../../../src/lib/topics/plan.js'

describe('topic plan', () => {
  const wanted = queueTopicSpecs(topicsForTopic('orders'), {partitions: 6, replicationFactor: 3})

  it('asks for the queue, retry and dead-letter topics with the same settings', () => {
    assert.deepEqual(wanted, [
      {name: 'orders', role: 'queue', partitions: 6, replicationFactor: 3},
      {name: 'orders-retry', role: 'retry', partitions: 6, replicationFactor: 3},
      {name: 'orders-dlt', role: 'dead-letter', partitions: 6, replicationFactor: 3},
    ])
  })

  it('plans to create missing topics and leaves matching ones alone', () => {
    const rows = planTopics(wanted, new Map([['orders', {name: 'orders', partitions: 6, replicationFactor: 3}]]))
    assert.deepEqual(
      rows.map((row) => [row.name, row.status]),
      [
        ['orders', 'exists'],
        ['orders-retry', 'created'],
        ['orders-dlt', 'created'],
      ],
    )
  })

  it("reports each difference and shows Kafka's actual settings", () => {
    const rows = planTopics(wanted, new Map([['orders-dlt', {name: 'orders-dlt', partitions: 1, replicationFactor: 1}]]))
    assert.deepEqual(rows[2], {
      name: 'orders-dlt',
      role: 'dead-letter',
      partitions: 1,
      replicationFactor: 1,
      status: 'mismatch',
      differences: ['partitions: 1 on the broker, 6 asked', 'replication factor: 1 on the broker, 3 asked'],
    })
  })
})
