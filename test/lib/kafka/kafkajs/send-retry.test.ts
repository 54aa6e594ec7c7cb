import {strict as assert} from 'node:assert'
import {createRequire} from 'node:module'

import {type RetryOptions} from 'kafkajs'

import {retriesWithin, sendRetry} from '../../../../src/lib/kafka/kafkajs/send-retry.js'

type Retrier = (fn: () => Promise<never>) => Promise<never>
const createRetry = createRequire(import.meta.url)('kafkajs/src/retry/index.js') as (options: RetryOptions) => Retrier

/**
 * The pauses kafkajs's own retrier makes for a send that every try fails, until it gives up: its
 * timers are taken at once and their lengths noted, so the retrier's real arithmetic (random
 * spread included) is what is read, without waiting for it.
 */
async function pausesUntilGivingUp(options: RetryOptions): Promise<number> {
  const realSetTimeout = globalThis.setTimeout
  let paused = 0
  globalThis.setTimeout = ((callback: () => void, ms: number) => {
    paused += ms
    return realSetTimeout(callback, 0)
  }) as typeof setTimeout
  try {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), {retriable: true})
    await createRetry(options)(async () => {
      throw refused
    }).catch(() => {})
  } finally {
    globalThis.setTimeout = realSetTimeout
  }

  return paused
}

describe("the retries of a publisher's sends", () => {
  it('go on trying a refused send until shortly before the send timeout, past the old ~15 s', async () => {
    for (let run = 0; run < 20; run++) {
      const paused = await pausesUntilGivingUp(sendRetry(30_000))
      assert.ok(paused <= 29_000, `paused ${paused} ms in all, past the last second of a 30 s timeout`)
      assert.ok(paused >= 24_000, `paused only ${paused} ms of a 30 s timeout`)
    }
  })

  it('end before a short send timeout, so that the refusal is the error rather than the timeout', async () => {
    for (let run = 0; run < 20; run++) assert.ok((await pausesUntilGivingUp(sendRetry(5000))) <= 4000)
  })

  it('keep up to a minute of tries for a publisher without a send timeout (a worker\'s), past the old ~15 s', async () => {
    const paused = await pausesUntilGivingUp(sendRetry())
    assert.ok(paused > 40_000 && paused <= 60_000, `paused ${paused} ms`)
  })

  it('keep one retry, which an idempotent producer needs, however short the timeout', () => {
    assert.equal(sendRetry(1000).retries, 1)
    assert.equal(retriesWithin(0), 1)
  })
})
