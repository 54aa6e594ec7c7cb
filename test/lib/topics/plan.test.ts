import {strict as assert} from 'node:assert'

import {topicsForTopic} from '../../../src/lib/config/index.js'
import {topicRoles} from '../../../src/lib/topics/list.js'
import {planTopics, queueTopicSpecs} from '../../../src/lib/topics/plan.js'

describe('topic plan', () => {
  const wanted = queueTopicSpecs(topicsForTopic('orders'), {partitions: 6, replicationFactor: 3})

  it('asks for the queue, retry, dead-letter and delay topics with the same settings', () => {
    assert.deepEqual(wanted, [
      {name: 'orders', role: 'queue', partitions: 6, replicationFactor: 3},
      {name: 'orders-retry', role: 'retry', partitions: 6, replicationFactor: 3},
      {name: 'orders-dlt', role: 'dead-letter', partitions: 6, replicationFactor: 3},
      {name: 'orders-delay-1s', role: 'delay 1s', partitions: 6, replicationFactor: 3},
      {name: 'orders-delay-10s', role: 'delay 10s', partitions: 6, replicationFactor: 3},
      {name: 'orders-delay-1m', role: 'delay 1m', partitions: 6, replicationFactor: 3},
      {name: 'orders-delay-10m', role: 'delay 10m', partitions: 6, replicationFactor: 3},
      {name: 'orders-delay-1h', role: 'delay 1h', partitions: 6, replicationFactor: 3},
      {name: 'orders-delay-1d', role: 'delay 1d', partitions: 6, replicationFactor: 3},
    ])
  })

  it('plans to create missing topics and leaves matching ones alone', () => {
    const rows = planTopics(wanted, new Map([['orders', {name: 'orders', partitions: 6, replicationFactor: 3}]]))
    assert.deepEqual(
      rows.slice(0, 4).map((row) => [row.name, row.status]),
      [
        ['orders', 'exists'],
        ['orders-retry', 'created'],
        ['orders-dlt', 'created'],
        ['orders-delay-1s', 'created'],
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

  it("names the role of each of a queue's topics, and of no other topic", () => {
    const roles = topicRoles(['orders', 'orders-retry', 'orders-dlt', 'orders-delay-1m', 'orders-delay-2m', 'audit', 'audit-retry', 'web-delay-1m'])
    assert.deepEqual(Object.fromEntries(roles), {
      orders: 'queue',
      'orders-retry': 'retry',
      'orders-dlt': 'dead-letter',
      'orders-delay-1m': 'delay 1m',
    })
  })
})
