import {strict as assert} from 'node:assert'

import {DelayTopicNotFoundError, TopicNotFoundError} from '../../../src/lib/errors.js'
import {missingQueueError, mistypedQueueError} from '../../../src/lib/topics/missing-queue.js'

/** The topics `kq topic:create NAME` makes, as far as finding queues goes. */
const queueTopics = (name: string) => [name, `${name}-retry`, `${name}-dlt`]
const naming = {queue: 'default', topic: 'default'}

describe('a missing queue, as a command that only reads says it', () => {
  const existing = ['__consumer_offsets', ...queueTopics('orders'), ...queueTopics('emails'), 'audit-log']

  it('names the queue meant when one is close, whichever of its topics was missing', () => {
    assert.equal(
      missingQueueError(new TopicNotFoundError('ordres-dlt'), existing, naming)?.message,
      'no queue named ordres (its topic ordres does not exist): did you mean orders? `kq topic:list` shows the queues there are',
    )
  })

  it('points at topic:list when no queue is close; a topic that is not a queue is never meant', () => {
    assert.equal(
      missingQueueError(new TopicNotFoundError('audit-logs'), existing, naming)?.message,
      'no queue named audit-logs (its topic audit-logs does not exist): see `kq topic:list` for the queues there are',
    )
  })

  it('says of the default queue that it is KAFKA_QUEUE, under its own topic name', () => {
    assert.equal(
      missingQueueError(new TopicNotFoundError('jobs-dlt'), existing, {queue: 'default', topic: 'jobs'})?.message,
      'no queue named default (the default queue, KAFKA_QUEUE; its topic jobs does not exist): see `kq topic:list` for the queues there are, and name one or set KAFKA_QUEUE',
    )
  })

  it('says to create it on a cluster without any queue, where it cannot be a typo of another', () => {
    assert.equal(
      missingQueueError(new TopicNotFoundError('orders'), ['audit-log'], naming)?.message,
      'no queue named orders (its topic orders does not exist), nor any other yet: create it with `kq topic:create orders`',
    )
  })

  it('leaves the topic:create advice of a queue that lacks only a companion, or a name that is a companion', () => {
    assert.equal(missingQueueError(new TopicNotFoundError('audit-log-dlt'), existing, naming), undefined)
    assert.equal(missingQueueError(new DelayTopicNotFoundError('orders-delay-1m', 'orders'), existing, naming), undefined)
    assert.equal(missingQueueError(new TopicNotFoundError('orders-dlt-dlt'), existing, naming), undefined)
  })
})

describe('a missing queue, as a command that writes says it', () => {
  const existing = ['__consumer_offsets', ...queueTopics('orders'), ...queueTopics('emails')]

  it('names the queue meant first when one is close, then how to create a new one', () => {
    assert.equal(
      mistypedQueueError(new TopicNotFoundError('ordrs'), existing, naming)?.message,
      'topic ordrs does not exist: did you mean queue orders? For a new queue, create it with `kq topic:create ordrs`',
    )
  })

  it('leaves the create-topic advice alone when no queue is close, or only a companion topic is missing', () => {
    assert.equal(mistypedQueueError(new TopicNotFoundError('invoices'), existing, naming), undefined)
    assert.equal(mistypedQueueError(new TopicNotFoundError('orders-dlt'), existing, naming), undefined)
  })
})
