import {strict as assert} from 'node:assert'

import {topicsForQueue, topicsForTopic} from '../../../src/lib/config/index.js'

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
