import {strict as assert} from 'node:assert'
import {setTimeout as sleep} from 'node:timers/promises'

import {rateLimited, throttlesExceptions, withoutOverlapping} from '../../../src/lib/jobs/built-in-middleware.js'
import {Job, type JobContext, type JobMiddleware} from '../../../src/lib/jobs/job.js'
import {fakeQueue, runJob} from '../../../src/testing.js'

interface Order {
  orderId: number
  fail?: boolean
  sleepMs?: number
}

/** A middleware of one's own: it notes where it ran, around the rest. */
function noting(name: string, notes: string[]): JobMiddleware<Order> {
  return async (payload, ctx, next) => {
    notes.push(`${name} before ${payload.orderId} (${ctx.job}, key ${ctx.key})`)
    await next()
    notes.push(`${name} after`)
  }
}

const notes: string[] = []

class Wrapped extends Job<Order> {
  override middleware(): Array<JobMiddleware<Order>> {
    return [noting('outer', notes), noting('inner', notes)]
  }

  override handle(payload: Order, ctx: JobContext): void {
    notes.push('handle')
    ctx.log(`shipped ${payload.orderId}`)
  }
}

class SkipsOddOrders extends Job<Order> {
  override middleware(): Array<JobMiddleware<Order>> {
    return [(payload, ctx, next) => (payload.orderId % 2 === 1 ? ctx.release(30, 'odd orders wait') : next())]
  }

  override handle(): void {}
}

class CallsNextTwice extends Job<Order> {
  override middleware(): Array<JobMiddleware<Order>> {
    return [
      async (_payload, _ctx, next) => {
        await next()
        await next()
      },
    ]
  }

  override handle(): void {}
}

class Limited extends Job<Order> {
  override middleware(): Array<JobMiddleware<Order>> {
    return [rateLimited({perSecond: 2})]
  }

  override handle(): void {}
}

class PerCustomer extends Job<Order> {
  override middleware(): Array<JobMiddleware<Order>> {
    return [rateLimited({perMinute: 1, key: (payload) => `customer-${payload.orderId % 2}`})]
  }

  override handle(): void {}
}

class Flaky extends Job<Order> {
  override tries = 5
  override middleware(): Array<JobMiddleware<Order>> {
    return [throttlesExceptions(2, 30)]
  }

  override handle(payload: Order): void {
    if (payload.fail) throw new Error(`downstream refused order ${payload.orderId}`)
  }
}

class Exclusive extends Job<Order> {
  override middleware(): Array<JobMiddleware<Order>> {
    return [withoutOverlapping((payload) => `order-${payload.orderId}`, {releaseAfter: 5})]
  }

  override async handle(payload: Order): Promise<void> {
    await sleep(payload.sleepMs ?? 0)
  }
}

describe('job middleware', () => {
  beforeEach(() => {
    notes.length = 0
  })

  it('wraps handle(), the first listed outermost, and sees the job’s context and key', async () => {
    const run = await runJob(Wrapped, {orderId: 7}, {key: 'order-7'})
    assert.equal(run.ok, true)
    assert.deepEqual(notes, ['outer before 7 (Wrapped, key order-7)', 'inner before 7 (Wrapped, key order-7)', 'handle', 'inner after', 'outer after'])
    assert.deepEqual(run.logs, ['shipped 7'])
  })

  it('lets a middleware of one’s own release a job, which is then not run and uses no try', async () => {
    const released = await runJob(SkipsOddOrders, {orderId: 1})
    assert.equal(released.ok, false)
    assert.ok(!released.ok)
    assert.equal(released.ran, false)
    assert.deepEqual(released.released, {delayMs: 30_000, reason: 'odd orders wait'})
    assert.deepEqual(released.next, {action: 'release', attempt: 1, delayMs: 30_000})
    assert.equal((await runJob(SkipsOddOrders, {orderId: 2})).ok, true)
  })

  it("lets handle() release its own job with this.release(), as Laravel's $this->release(), using no try", async () => {
    class WaitsForStock extends Job<Order> {
      override tries = 3

      override handle(payload: Order, ctx: JobContext): void {
        ctx.log(`no stock for ${payload.orderId}`)
        return this.release(120, 'out of stock')
      }
    }

    const run = await runJob(WaitsForStock, {orderId: 3}, {attempt: 2})
    assert.ok(!run.ok)
    assert.equal(run.ran, true)
    assert.deepEqual(run.logs, ['no stock for 3'])
    assert.deepEqual(run.released, {delayMs: 120_000, reason: 'out of stock'})
    assert.deepEqual(run.next, {action: 'release', attempt: 2, delayMs: 120_000})
  })

  it('fails the attempt of a middleware that calls next() twice, rather than run the job twice', async () => {
    const run = await runJob(CallsNextTwice, {orderId: 1})
    assert.ok(!run.ok)
    assert.match(String(run.error), /called next\(\) twice/)
  })

  it('rateLimited: releases a job over the limit until its token comes, per worker store', async () => {
    const store = new Map<string, unknown>()
    const runs = [await runJob(Limited, {orderId: 1}, {store}), await runJob(Limited, {orderId: 2}, {store}), await runJob(Limited, {orderId: 3}, {store})]
    assert.deepEqual(runs.map((run) => run.ok), [true, true, false])
    const third = runs[2]
    assert.ok(!third.ok && third.released !== undefined)
    assert.equal(third.released.reason, 'rateLimited')
    assert.ok(third.released.delayMs > 0 && third.released.delayMs <= 500, `waits ${third.released.delayMs} ms for a token of 2 a second`)
    // Another worker process (another store) has its own share.
    assert.equal((await runJob(Limited, {orderId: 4}, {store: new Map()})).ok, true)
  })

  it('rateLimited: a worker holding half the partitions gets half the limit', async () => {
    const store = new Map<string, unknown>()
    const first = await runJob(Limited, {orderId: 1}, {store, share: 0.5})
    const second = await runJob(Limited, {orderId: 2}, {store, share: 0.5})
    assert.equal(first.ok, true)
    assert.ok(!second.ok && second.released !== undefined)
    assert.ok(second.released.delayMs > 500, `one a second: waits ${second.released.delayMs} ms`)
  })

  it('rateLimited: a worker left with no share of the partitions releases for one period, not forever', async () => {
    const store = new Map<string, unknown>()
    assert.equal((await runJob(Limited, {orderId: 1}, {store, share: 0})).ok, true)
    const second = await runJob(Limited, {orderId: 2}, {store, share: 0})
    assert.ok(!second.ok && second.released !== undefined)
    assert.equal(second.released.delayMs, 1000)
  })

  it('release() waits at most 90 days, and not at all for a nonsense time', async () => {
    class Releases extends Job<{seconds: number}> {
      override middleware(): Array<JobMiddleware<{seconds: number}>> {
        return [(payload, ctx) => ctx.release(payload.seconds)]
      }

      override handle(): void {}
    }

    const delays = []
    for (const seconds of [Number.POSITIVE_INFINITY, Number.NaN, -5, 0.25]) {
      const run = await runJob(Releases, {seconds})
      delays.push(run.ok ? undefined : run.released?.delayMs)
    }

    assert.deepEqual(delays, [90 * 24 * 3600 * 1000, 0, 0, 250])
  })

  it('rateLimited: a key from the payload gives each key its own limit', async () => {
    const store = new Map<string, unknown>()
    const results = []
    for (const orderId of [1, 2, 3, 4]) results.push((await runJob(PerCustomer, {orderId}, {store})).ok)
    assert.deepEqual(results, [true, true, false, false])
  })

  it('rateLimited: refuses a limit that is not a positive number', () => {
    assert.throws(() => rateLimited({perSecond: 0}), /perSecond must be a number above 0/)
  })

  it('throttlesExceptions: after maxFailures failures in a row, the next job is released, not run', async () => {
    const store = new Map<string, unknown>()
    const first = await runJob(Flaky, {orderId: 1, fail: true}, {store})
    const second = await runJob(Flaky, {orderId: 2, fail: true}, {store})
    // Failures are failures: retried as usual.
    assert.ok(!first.ok && first.ran && first.next.action === 'retry')
    assert.ok(!second.ok && second.ran && second.next.action === 'retry')
    const third = await runJob(Flaky, {orderId: 3}, {store})
    assert.ok(!third.ok && third.released !== undefined)
    assert.equal(third.released.reason, 'throttlesExceptions')
    assert.ok(third.released.delayMs > 29_000 && third.released.delayMs <= 30_000)
  })

  it('throttlesExceptions: a success clears the count', async () => {
    const store = new Map<string, unknown>()
    await runJob(Flaky, {orderId: 1, fail: true}, {store})
    assert.equal((await runJob(Flaky, {orderId: 2}, {store})).ok, true)
    await runJob(Flaky, {orderId: 3, fail: true}, {store})
    assert.equal((await runJob(Flaky, {orderId: 4}, {store})).ok, true)
  })

  it('withoutOverlapping: a job whose key is running in the same worker is released; another key runs', async () => {
    const store = new Map<string, unknown>()
    const long = runJob(Exclusive, {orderId: 1, sleepMs: 200}, {store})
    const same = await runJob(Exclusive, {orderId: 1}, {store})
    const other = await runJob(Exclusive, {orderId: 2}, {store})
    assert.ok(!same.ok && same.released !== undefined)
    assert.deepEqual(same.released, {delayMs: 5000, reason: 'withoutOverlapping'})
    assert.equal(other.ok, true)
    assert.equal((await long).ok, true)
    // The lock is let go when the job ends.
    assert.equal((await runJob(Exclusive, {orderId: 1}, {store})).ok, true)
  })

  it('withoutOverlapping: dispatch sends the job with its key as the message key, and refuses another', async () => {
    const queue = fakeQueue()
    try {
      await Exclusive.dispatch({orderId: 42})
      queue.assertDispatched(Exclusive, (job) => job.key === 'order-42')
      await assert.rejects(Exclusive.dispatch({orderId: 42}, {key: 'customer-1'}), /Exclusive is keyed by its withoutOverlapping key \("order-42"\), so it cannot be sent with key "customer-1": leave the key out/)
      await Exclusive.dispatch({orderId: 42}, {key: 'order-42'})
      queue.assertDispatchedTimes(Exclusive, 2)
    } finally {
      queue.restore()
    }
  })
})
