import {strict as assert} from 'node:assert'

import {CLOSED, afterAttempt, heldFor, shareOfLimit, takeToken} from '../../../src/lib/jobs/limits.js'

describe('rate limit bookkeeping', () => {
  it('lets a full bucket start as many jobs as its capacity, then makes the next wait for its token', () => {
    const {rate, capacity} = shareOfLimit(3, 1000, 1)
    let bucket
    const waits: number[] = []
    for (let index = 0; index < 4; index++) {
      const taken = takeToken(bucket, rate, capacity, 10_000)
      bucket = taken.bucket
      waits.push(taken.waitMs)
    }

    // Three a second: a token every 333.3 ms.
    assert.deepEqual(waits, [0, 0, 0, 334])
  })

  it('refills at the limit rate and never above one period’s worth', () => {
    const {rate, capacity} = shareOfLimit(2, 1000, 1)
    const empty = {tokens: 0, at: 0}
    assert.equal(takeToken(empty, rate, capacity, 499).waitMs, 2)
    assert.equal(takeToken(empty, rate, capacity, 500).waitMs, 0)
    const afterLongIdle = takeToken(empty, rate, capacity, 3_600_000)
    assert.equal(afterLongIdle.bucket.tokens, 1)
  })

  it('gives a worker holding a quarter of the partitions a quarter of the group’s rate', () => {
    const {rate, capacity} = shareOfLimit(60, 60_000, 0.25)
    assert.equal(rate * 60_000, 15)
    assert.equal(capacity, 15)
  })

  it('lets a worker whose share is under one job a period still run one, at its slower rate', () => {
    const {rate, capacity} = shareOfLimit(2, 1000, 0.25)
    assert.equal(capacity, 1)
    const first = takeToken(undefined, rate, capacity, 0)
    assert.equal(first.waitMs, 0)
    // Half a job a second: the next token in two seconds.
    assert.equal(takeToken(first.bucket, rate, capacity, 0).waitMs, 2000)
  })
})

describe('exception throttle bookkeeping', () => {
  it('holds jobs back for the decay time after the maxFailures-th failure in a row', () => {
    let throttle = CLOSED
    throttle = afterAttempt(throttle, true, 3, 10_000, 1000)
    throttle = afterAttempt(throttle, true, 3, 10_000, 2000)
    assert.equal(heldFor(throttle, 2000), 0)
    throttle = afterAttempt(throttle, true, 3, 10_000, 3000)
    assert.equal(heldFor(throttle, 3000), 10_000)
    assert.equal(heldFor(throttle, 12_500), 500)
    assert.equal(heldFor(throttle, 13_000), 0)
  })

  it('starts counting again after a success', () => {
    let throttle = afterAttempt(CLOSED, true, 2, 10_000, 0)
    throttle = afterAttempt(throttle, false, 2, 10_000, 1)
    throttle = afterAttempt(throttle, true, 2, 10_000, 2)
    assert.equal(heldFor(throttle, 2), 0)
    assert.equal(throttle.failures, 1)
  })
})
