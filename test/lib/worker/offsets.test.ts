import {strict as assert} from 'node:assert'

import {BatchProgress, Slots} from '../../../src/lib/worker/offsets.js'

/** Lets every pending promise callback run, so that woken waiters have done their work. */
async function settle(): Promise<void> {
  await new Promise((resolve) => {
    setImmediate(resolve)
  })
}

describe('BatchProgress', () => {
  it('resolves a record finished in order at once', () => {
    const progress = new BatchProgress(3)
    assert.equal(progress.finish(0), 0)
    assert.equal(progress.finish(1), 1)
    assert.equal(progress.finish(2), 2)
  })

  it('holds a record finished out of order back until every record before it is done', () => {
    const progress = new BatchProgress(4)
    assert.equal(progress.finish(2), undefined)
    assert.equal(progress.finish(3), undefined)
    assert.equal(progress.finish(1), undefined)
    assert.equal(progress.finish(0), 3)
  })

  it('resolves the whole completed prefix when a gap closes, and no further', () => {
    const progress = new BatchProgress(5)
    assert.equal(progress.finish(1), undefined)
    assert.equal(progress.finish(2), undefined)
    assert.equal(progress.finish(4), undefined)
    assert.equal(progress.finish(0), 2)
    assert.equal(progress.finish(3), 4)
  })

  it('only ever grows the completed prefix, whatever the order of finishing', () => {
    const orders = [
      [0, 1, 2, 3, 4, 5],
      [5, 4, 3, 2, 1, 0],
      [2, 0, 5, 1, 4, 3],
      [1, 3, 5, 0, 2, 4],
    ]
    for (const order of orders) {
      const progress = new BatchProgress(order.length)
      const finished = new Set<number>()
      let resolved = -1
      for (const index of order) {
        finished.add(index)
        const last = progress.finish(index)
        let prefix = -1
        while (finished.has(prefix + 1)) prefix++
        if (prefix > resolved) {
          assert.equal(last, prefix, `order ${order.join(',')}, after ${index}`)
          resolved = prefix
        } else {
          assert.equal(last, undefined, `order ${order.join(',')}, after ${index}`)
        }
      }

      assert.equal(resolved, order.length - 1)
      assert.equal(progress.complete, true)
    }
  })

  it('does not move the prefix again when a record is finished twice', () => {
    const progress = new BatchProgress(2)
    assert.equal(progress.finish(0), 0)
    assert.equal(progress.finish(0), undefined)
    assert.equal(progress.complete, false)
  })

  it('is complete once every record is done, and not before', () => {
    const progress = new BatchProgress(3)
    assert.equal(progress.complete, false)
    progress.finish(2)
    progress.finish(0)
    assert.equal(progress.complete, false)
    progress.finish(1)
    assert.equal(progress.complete, true)
  })

  it('is complete at once for an empty batch', () => {
    assert.equal(new BatchProgress(0).complete, true)
  })
})

describe('Slots', () => {
  it('hands out free slots at once and counts them as busy', async () => {
    const slots = new Slots(2)
    assert.equal(slots.busy, 0)
    await slots.acquire()
    assert.equal(slots.busy, 1)
    await slots.acquire()
    assert.equal(slots.busy, 2)
    slots.release()
    assert.equal(slots.busy, 1)
    slots.release()
    assert.equal(slots.busy, 0)
  })

  it('makes a caller wait while every slot is taken, until one is released', async () => {
    const slots = new Slots(1)
    await slots.acquire()
    let got = false
    const waiting = slots.acquire().then(() => {
      got = true
    })
    await settle()
    assert.equal(got, false)
    assert.equal(slots.busy, 1)

    slots.release()
    await waiting
    assert.equal(got, true)
    assert.equal(slots.busy, 1)
    slots.release()
    assert.equal(slots.busy, 0)
  })

  it('serves waiters in the order they came', async () => {
    const slots = new Slots(1)
    await slots.acquire()
    const served: number[] = []
    const waiters = [1, 2, 3, 4].map((n) => slots.acquire().then(() => served.push(n)))
    for (let released = 1; released <= 4; released++) {
      slots.release()
      await settle()
      assert.deepEqual(served, [1, 2, 3, 4].slice(0, released))
    }

    await Promise.all(waiters)
  })

  it('gives a released slot to a waiter before a newcomer', async () => {
    const slots = new Slots(1)
    await slots.acquire()
    const served: string[] = []
    const waiter = slots.acquire().then(() => served.push('waiter'))
    slots.release()
    const newcomer = slots.acquire().then(() => served.push('newcomer'))
    await settle()
    assert.deepEqual(served, ['waiter'])
    slots.release()
    await Promise.all([waiter, newcomer])
    assert.deepEqual(served, ['waiter', 'newcomer'])
  })

  it('never lets more than `size` jobs hold a slot at once', async () => {
    const slots = new Slots(3)
    let holding = 0
    let most = 0
    const job = async (ticks: number) => {
      await slots.acquire()
      holding++
      most = Math.max(most, holding)
      assert.ok(slots.busy <= slots.size, `busy ${slots.busy} > size ${slots.size}`)
      for (let tick = 0; tick < ticks; tick++) await settle()
      holding--
      slots.release()
    }

    await Promise.all(Array.from({length: 20}, (_, n) => job(n % 4)))
    assert.equal(most, 3)
    assert.equal(slots.busy, 0)
  })
})
