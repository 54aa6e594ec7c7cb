import {strict as assert} from 'node:assert'

import {topicsForQueue, topicsForTopic} from '../../../src/lib/config/index.js'

describe('queue topic naming', () => {
  it('gives a queue its own name as topic, with -retry and -dlt topics beside it', () => {
    assert.deepEqual(topicsForQueue({queue: 'default', topic: 'default'}, 'emails'), {
      queue: 'emails',
      topic: 'emails',
      retryTopic: 'emails-retry',
      deadLetterTopic: 'emails-dlt',
    })
  })

  it("uses KAFKA_TOPIC for the default queue only", () => {
    const naming = {queue: 'default', topic: 'jobs'}
    assert.equal(topicsForQueue(naming).topic, 'jobs')
    assert.equal(topicsForQueue(naming, 'default').deadLetterTopic, 'jobs-dlt')
    assert.equal(topicsForQueue(naming, 'reports').topic, 'reports')
  })

  it('derives retry and dead-letter topics from a topic name', () => {
    assert.deepEqual(topicsForTopic('orders.v1'), {
      queue: 'orders.v1',
      topic: 'orders.v1',
      retryTopic: 'orders.v1-retry',
      deadLetterTopic: 'orders.v1-dlt',
    })
  })
})
