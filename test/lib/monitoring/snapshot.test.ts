import {strict as assert} from 'node:assert'

import {topicsForTopic} from '../../../src/lib/config/index.js'
import {type StatusReading, buildSnapshot} from '../../../src/lib/monitoring/index.js'

const NOW = Date.parse('2026-11-26T17:30:01.000Z')

/** Two queues as Kafka would describe them; emails has no retry topic and no delay topics. */
const reading: StatusReading = {
  at: NOW,
  group: {
    groupId: 'kq-workers',
    state: 'Stable',
    members: [
      {memberId: 'kq-a', clientId: 'kq', host: '/10.0.0.1', assignment: [{topic: 'orders', partition: 0}, {topic: 'orders-retry', partition: 0}]},
      {memberId: 'kq-b', clientId: 'kq', host: '/10.0.0.2', assignment: [{topic: 'orders', partition: 1}, {topic: 'emails', partition: 0}]},
      {memberId: 'kq-c', clientId: 'kq', host: '/10.0.0.3', assignment: []},
    ],
  },
  queues: [
    {
      topics: topicsForTopic('orders'),
      queue: {offsets: [{partition: 0, low: 0, high: 100}, {partition: 1, low: 0, high: 50}], committed: [{partition: 0, offset: 30}, {partition: 1, offset: 40}]},
      retry: {offsets: [{partition: 0, low: 0, high: 4}, {partition: 1, low: 0, high: 0}], committed: [{partition: 0, offset: 1}, {partition: 1, offset: -1}]},
      deadLetters: [{partition: 0, start: 0, end: 3, cursor: 1, pending: 2}, {partition: 1, start: 0, end: 1, cursor: null, pending: 1}],
      delays: [
        // The 1s rung: worked up to 5 on partition 0; nothing committed yet on partition 1.
        {offsets: [{partition: 0, low: 0, high: 7}, {partition: 1, low: 2, high: 6}], committed: [{partition: 0, offset: 5}, {partition: 1, offset: -1}]},
        // The 1h rung: a commit behind the start offset, once retention removed records, counts from the start.
        {offsets: [{partition: 0, low: 10, high: 12}, {partition: 1, low: 0, high: 0}], committed: [{partition: 0, offset: 3}, {partition: 1, offset: 0}]},
      ],
    },
    {
      topics: topicsForTopic('emails'),
      queue: {offsets: [{partition: 0, low: 0, high: 9}], committed: [{partition: 0, offset: 9}]},
      delays: [],
    },
  ],
}

describe('status: snapshot', () => {
  const previous = new Map([['orders', {at: NOW - 2000, offsets: new Map([[0, 10], [1, 20]])}]])
  const {snapshot, samples} = buildSnapshot(reading, {thresholds: {maxLag: 50}, deadLetterGroup: 'kq-workers-dlt', previous})
  const [orders, emails] = snapshot.queues

  it('totals the lag of the queue topic and, apart, of the retry topic', () => {
    assert.equal(orders.lag, 80)
    assert.equal(orders.retryLag, 3)
    assert.deepEqual(orders.partitions.map((each) => `${each.topic}[${each.partition}] ${each.lag}`), ['orders[0] 70', 'orders[1] 10', 'orders-retry[0] 3', 'orders-retry[1] null'])
  })

  it('counts the delayed jobs the group has not worked on the delay topics, and none known without them', () => {
    assert.equal(orders.delayed, 2 + 4 + 2)
    assert.equal(emails.delayed, null)
  })

  it('adds up the pending dead letters over partitions', () => {
    assert.equal(orders.pendingDeadLetters, 3)
    assert.equal(emails.pendingDeadLetters, null)
  })

  it('counts as workers of a queue the members holding a partition of its topic or retry topic', () => {
    assert.equal(orders.workers, 2)
    assert.equal(emails.workers, 1)
  })

  it('measures the rate against the previous sample, and the drain from it', () => {
    assert.equal(orders.rate, 20)
    assert.equal(orders.drainSeconds, 4)
    assert.equal(snapshot.rateWindowSeconds, 2)
    // No earlier sample of emails: no rate, but nothing waits.
    assert.deepEqual([emails.rate, emails.drainSeconds], [null, 0])
  })

  it('marks the queues past a threshold, and the snapshot as an alert', () => {
    assert.deepEqual(orders.alerts, [{kind: 'lag', value: 80, threshold: 50}])
    assert.deepEqual(emails.alerts, [])
    assert.equal(snapshot.alert, true)
  })

  it('keeps the group as Kafka describes it, and hands back samples for the next window', () => {
    assert.deepEqual(snapshot.group, {id: 'kq-workers', state: 'Stable', members: reading.group.members})
    assert.equal(snapshot.time, '2026-11-26T17:30:01.000Z')
    assert.deepEqual(samples.get('orders'), {at: NOW, offsets: new Map([[0, 30], [1, 40]])})
    assert.deepEqual(samples.get('emails'), {at: NOW, offsets: new Map([[0, 9]])})
  })
})

describe('status: a queue partition without a leader', () => {
  it('warns that its jobs wait and are not counted, naming the topic and partition', () => {
    const downReading: StatusReading = {
      ...reading,
      queues: [{...reading.queues[1], queue: {offsets: [], committed: []}, leaderless: [{topic: 'emails', partitions: [0]}]}],
    }
    const [emails] = buildSnapshot(downReading, {thresholds: {}, deadLetterGroup: 'kq-workers-dlt', previous: new Map()}).snapshot.queues
    assert.deepEqual(emails.warnings, [
      'emails partition 0 has no leader (every broker holding a replica is down): its jobs wait until one is back, and are not counted here',
    ])
    assert.equal(emails.lag, null)
  })
})
