import {strict as assert} from 'node:assert'

import {topicsForTopic} from '../../../src/lib/config/index.js'
import {listingOrder, topicRoles} from '../../../src/lib/topics/list.js'
import {durabilityWarning} from '../../../src/lib/topics/durability.js'
import {planTopics, queueTopicSpecs} from '../../../src/lib/topics/plan.js'

describe('topic plan', () => {
  const wanted = queueTopicSpecs(topicsForTopic('orders'), {partitions: 6, replicationFactor: 3})

  it('asks for the queue, retry, dead-letter and delay topics with the same settings, two in sync from three replicas', () => {
    const durable = {configs: {'min.insync.replicas': '2'}}
    assert.deepEqual(wanted.map(({configs, ...spec}) => {
      assert.deepEqual({configs}, durable)
      return spec
    }), [
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
      configs: {'min.insync.replicas': '2'},
      status: 'mismatch',
      differences: ['partitions: 1 on the broker, 6 asked', 'replication factor: 1 on the broker, 3 asked'],
      minInsyncReplicas: null,
    })
  })

  it('leaves min.insync.replicas of two replicas to the brokers, unless KAFKA_MIN_INSYNC_REPLICAS sets it', () => {
    assert.equal(queueTopicSpecs(topicsForTopic('orders'), {partitions: 1, replicationFactor: 2})[0].configs, undefined)
    assert.deepEqual(queueTopicSpecs(topicsForTopic('orders'), {partitions: 1, replicationFactor: 2, minInsyncReplicas: 2})[0].configs, {
      'min.insync.replicas': '2',
    })
    assert.deepEqual(queueTopicSpecs(topicsForTopic('orders'), {partitions: 1, replicationFactor: 5, minInsyncReplicas: 3})[0].configs, {
      'min.insync.replicas': '3',
    })
  })

  it('gives a topic of one replica min.insync.replicas=1, whatever the cluster default', () => {
    assert.deepEqual(queueTopicSpecs(topicsForTopic('orders'), {partitions: 1, replicationFactor: 1})[0].configs, {'min.insync.replicas': '1'})
  })

  it('warns about a topic of three replicas with one in sync, naming the fix, and not about one it does not know', () => {
    assert.equal(
      durabilityWarning({name: 'orders', replicationFactor: 3, minInsyncReplicas: 1}),
      'topic orders has 3 replicas but min.insync.replicas=1, so an acknowledged job may exist on one broker only: set it to 2 ' +
        '(kafka-configs.sh --alter --entity-type topics --entity-name orders --add-config min.insync.replicas=2)',
    )
    assert.equal(durabilityWarning({name: 'orders', replicationFactor: 3, minInsyncReplicas: 2}), undefined)
    assert.equal(durabilityWarning({name: 'orders', replicationFactor: 3, minInsyncReplicas: null}), undefined)
    assert.equal(durabilityWarning({name: 'orders', replicationFactor: 1, minInsyncReplicas: 1}), undefined)
    assert.equal(durabilityWarning({name: 'orders', replicationFactor: 3, minInsyncReplicas: 1}, 1), undefined)
    assert.match(durabilityWarning({name: 'orders', replicationFactor: 5, minInsyncReplicas: 2}, 3) ?? '', /min\.insync\.replicas=2, .*set it to 3 /)
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

  it("lists each queue's topics together, in the order topic:create makes them, and other topics by name", () => {
    const queue = ['orders', 'orders-retry', 'orders-dlt', 'orders-delay-1s', 'orders-delay-10s', 'orders-delay-1m', 'orders-delay-10m', 'orders-delay-1h', 'orders-delay-1d']
    const names = [...queue, 'audit', 'zeta', 'orders-archive'].sort()
    assert.deepEqual(listingOrder(names), ['audit', ...queue, 'orders-archive', 'zeta'])
  })
})
