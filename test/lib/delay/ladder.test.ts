import {strict as assert} from 'node:assert'

import {
  RUNGS,
  delayTopicFor,
  delayTopicsOf,
  dueAtOf,
  leavesRungAt,
  rungFor,
  rungOfTopic,
} from '../../../src/lib/delay/ladder.js'

const label = (ms: number) => rungFor(ms)?.label

describe('delay ladder', () => {
  it('names one delay topic per rung, shortest first, and knows each back', () => {
    assert.deepEqual(delayTopicsOf('orders'), RUNGS.map((rung) => `orders-delay-${rung.label}`))
    assert.equal(rungOfTopic('orders', 'orders-delay-10m')?.ms, 600_000)
    assert.equal(rungOfTopic('orders', 'orders-retry'), undefined)
    assert.equal(rungOfTopic('orders', 'orders-delay-7s'), undefined)
    assert.equal(rungOfTopic('ord', 'orders-delay-1s'), undefined)
  })

  it('puts a wait on the longest rung that does not overshoot it by more than a second', () => {
    assert.equal(label(999), undefined, 'under a second: held in memory')
    assert.equal(label(1000), '1s')
    assert.equal(label(8500), '1s')
    assert.equal(label(9200), '10s', 'a second of slack saves nine hops')
    assert.equal(label(90_000), '1m')
    assert.equal(label(3 * 86_400_000), '1d')
  })

  it('names the delay topic for a wait, none under a second', () => {
    assert.equal(delayTopicFor('orders', 90_000), 'orders-delay-1m')
    assert.equal(delayTopicFor('orders', 500), undefined)
  })

  it('lets a record leave its rung when the rung time is up, or at its due time if that is sooner', () => {
    const tenSeconds = RUNGS[1]
    assert.equal(leavesRungAt(tenSeconds, 1000, 60_000), 11_000)
    assert.equal(leavesRungAt(tenSeconds, 1000, 9000), 9000)
  })

  it('reads the due time from kq-not-before; a record without one, or with a bad one, is due at once', () => {
    assert.equal(dueAtOf({'kq-not-before': '2026-12-01T09:00:00.000Z'}), Date.parse('2026-12-01T09:00:00.000Z'))
    assert.equal(dueAtOf({}), 0)
    assert.equal(dueAtOf({'kq-not-before': 'soon'}), 0)
  })
})
