import {strict as assert} from 'node:assert'

import {topicsForQueue, topicsForTopic} from '../../../src/lib/config/index.js'
import {companionOf} from '../../../src/lib/config/topics.js'
import {TopicNotFoundError} from '../../../src/lib/errors.js'

describe('queue topic naming', () => {
  it('gives a queue its own name as topic, with -retry, -dlt and -delay-* topics beside it', () => {
    assert.deepEqual(topicsForQueue({queue: 'default', topic: 'default'}, 'emails'), {
      queue: 'emails',
      topic: 'emails',
      retryTopic: 'emails-retry',
      deadLetterTopic: 'emails-dlt',
      delayTopics: ['emails-delay-1s', 'emails-delay-10s', 'emails-delay-1m', 'emails-delay-10m', 'emails-delay-1h', 'emails-delay-1d'],
    })
  })

  it("uses KAFKA_TOPIC for the default queue only", () => {
    const naming = {queue: 'default', topic: 'jobs'}
    assert.equal(topicsForQueue(naming).topic, 'jobs')
    assert.equal(topicsForQueue(naming, 'default').deadLetterTopic, 'jobs-dlt')
    assert.equal(topicsForQueue(naming, 'reports').topic, 'reports')
  })

  it('derives retry, dead-letter and delay topics from a topic name', () => {
    assert.deepEqual(topicsForTopic('orders.v1'), {
      queue: 'orders.v1',
      topic: 'orders.v1',
      retryTopic: 'orders.v1-retry',
      deadLetterTopic: 'orders.v1-dlt',
      delayTopics: ['orders.v1-delay-1s', 'orders.v1-delay-10s', 'orders.v1-delay-1m', 'orders.v1-delay-10m', 'orders.v1-delay-1h', 'orders.v1-delay-1d'],
    })
  })
})

describe('companion topics', () => {
  it("knows each of kq's suffixes and the queue topic before it", () => {
    assert.deepEqual(companionOf('orders-retry'), {queueTopic: 'orders', role: 'retry'})
    assert.deepEqual(companionOf('orders-dlt'), {queueTopic: 'orders', role: 'dead-letter'})
    assert.deepEqual(companionOf('orders-delay-1d'), {queueTopic: 'orders', role: 'delay 1d'})
    assert.equal(companionOf('orders'), undefined)
    assert.equal(companionOf('orders-delay-2m'), undefined, 'not a rung')
    assert.equal(companionOf('-dlt'), undefined, 'a suffix alone is no companion')
  })

  it("never suggests creating a companion as a queue when it is missing", () => {
    assert.equal(
      new TopicNotFoundError('orders-dlt').message,
      'topic orders-dlt does not exist: create it with `kq topic:create orders` (it is the dead-letter topic of queue orders; topics that exist are left alone)',
    )
    assert.equal(
      new TopicNotFoundError('orders-dlt-retry').message,
      'topic orders-dlt-retry does not exist: name the queue orders, not orders-dlt (the dead-letter topic of queue orders)',
    )
    assert.equal(new TopicNotFoundError('orders').message, 'topic orders does not exist: create it with `kq topic:create orders`')
  })
})
