import {strict as assert} from 'node:assert'

import {backoffSeconds, decideAfterFailure, decideForUnknownJob, parseBackoffList, resolveMaxTries} from '../../../src/lib/retry/index.js'

describe('retry policy', () => {
  it('lets the message win over the job class, and the class over the worker', () => {
    assert.equal(resolveMaxTries(5, 3, 1), 5)
    assert.equal(resolveMaxTries(undefined, 3, 1), 3)
    assert.equal(resolveMaxTries(undefined, undefined, 2), 2)
  })

  it("waits backoff[n-1] before the n-th retry and repeats the last value (Laravel's rule)", () => {
    const backoff = [1, 5, 10]
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((attempt) => backoffSeconds(attempt, backoff)),
      [1, 5, 10, 10, 10],
    )
    assert.equal(backoffSeconds(3, [7]), 7)
    assert.equal(backoffSeconds(1, []), 0)
  })

  it('retries with the next attempt number and a due time while tries remain', () => {
    assert.deepEqual(decideAfterFailure({attempt: 1, maxTries: 3, backoff: [2, 4], now: 1000}), {
      action: 'retry',
      nextAttempt: 2,
      delayMs: 2000,
      dueAt: 3000,
    })
    assert.deepEqual(decideAfterFailure({attempt: 2, maxTries: 3, backoff: [0.5], now: 0}), {
      action: 'retry',
      nextAttempt: 3,
      delayMs: 500,
      dueAt: 500,
    })
  })

  it('dead-letters after the last try, saying whether it timed out', () => {
    assert.deepEqual(decideAfterFailure({attempt: 3, maxTries: 3, backoff: [], now: 0}), {
      action: 'dead-letter',
      reason: 'exhausted',
    })
    assert.deepEqual(decideAfterFailure({attempt: 1, maxTries: 1, backoff: [], timedOut: true, now: 0}), {
      action: 'dead-letter',
      reason: 'timeout',
    })
  })

  it('dead-letters a fatal failure at once, whatever tries remain', () => {
    assert.deepEqual(decideAfterFailure({attempt: 1, maxTries: 10, backoff: [1], fatal: true, now: 0}), {
      action: 'dead-letter',
      reason: 'fatal',
    })
  })

  it('reads --backoff as one value or a list of seconds', () => {
    assert.deepEqual(parseBackoffList('3'), [3])
    assert.deepEqual(parseBackoffList('1, 5,10'), [1, 5, 10])
    assert.deepEqual(parseBackoffList('0.5'), [0.5])
    for (const bad of ['', 'a', '1,,2', '-1', '1,x']) {
      assert.throws(() => parseBackoffList(bad), /--backoff must be seconds/)
    }
  })
})

describe('a job the worker does not know', () => {
  const GRACE = 300_000

  it('is tried again after 10 s, 30 s, then every minute, keeping its attempt number', () => {
    const at = (now: number) => decideForUnknownJob({attempt: 2, firstFailedAt: 0, graceMs: GRACE, now})
    assert.deepEqual(at(0), {action: 'retry', nextAttempt: 2, delayMs: 10_000, dueAt: 10_000})
    assert.deepEqual(at(10_000), {action: 'retry', nextAttempt: 2, delayMs: 30_000, dueAt: 40_000})
    assert.deepEqual(at(40_000), {action: 'retry', nextAttempt: 2, delayMs: 60_000, dueAt: 100_000})
    assert.deepEqual(at(100_000), {action: 'retry', nextAttempt: 2, delayMs: 60_000, dueAt: 160_000})
  })

  it('waits no longer than its grace, and is dead-lettered as unknown-job once it is over', () => {
    assert.deepEqual(decideForUnknownJob({attempt: 1, firstFailedAt: 0, graceMs: GRACE, now: 295_000}), {
      action: 'retry',
      nextAttempt: 1,
      delayMs: 5000,
      dueAt: 300_000,
    })
    assert.deepEqual(decideForUnknownJob({attempt: 1, firstFailedAt: 0, graceMs: GRACE, now: 300_000}), {action: 'dead-letter', reason: 'unknown-job'})
    assert.deepEqual(decideForUnknownJob({attempt: 1, firstFailedAt: 5, graceMs: 0, now: 5}), {action: 'dead-letter', reason: 'unknown-job'})
  })
})
