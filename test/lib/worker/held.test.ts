import {strict as assert} from 'node:assert'
import {setTimeout as sleep} from 'node:timers/promises'

import {Held} from '../../../src/lib/worker/held.js'

describe('held records', () => {
  it('releases each record at its due time, in due order, whatever order they came in', async () => {
    const released: string[] = []
    const held = new Held<string>((item) => released.push(item))
    const now = Date.now()
    held.add('late', now + 60)
    held.add('early', now + 20)
    held.add('past', now - 5)
    assert.equal(held.size, 3)
    await sleep(5)
    assert.deepEqual(released, ['past'])
    await sleep(100)
    assert.deepEqual(released, ['past', 'early', 'late'])
    assert.equal(held.size, 0)
  })

  it('never releases a record before its due time', async () => {
    const releasedAt: number[] = []
    const held = new Held<number>((due) => releasedAt.push(Date.now() - due))
    const now = Date.now()
    for (const wait of [15, 30, 45]) held.add(now + wait, now + wait)
    await sleep(120)
    assert.equal(releasedAt.length, 3)
    for (const early of releasedAt) assert.ok(early >= 0, `released ${-early} ms early`)
  })

  it('releases nothing once cleared', async () => {
    const released: string[] = []
    const held = new Held<string>((item) => released.push(item))
    held.add('x', Date.now() + 10)
    held.clear()
    await sleep(40)
    assert.deepEqual(released, [])
  })

  it('hands over every due record even past one whose hand-over throws, then lets the error out', async () => {
    const released: string[] = []
    const held = new Held<string>((item) => {
      if (item === 'refused') throw new Error('the consumer group is gone')
      released.push(item)
    })
    // The error leaves a timer: it is caught here instead of failing the run.
    const mochaListeners = process.listeners('uncaughtException')
    process.removeAllListeners('uncaughtException')
    const uncaught: unknown[] = []
    process.on('uncaughtException', (error) => uncaught.push(error))
    try {
      const due = Date.now() + 10
      for (const item of ['first', 'refused', 'second', 'third']) held.add(item, due)
      await sleep(60)
    } finally {
      process.removeAllListeners('uncaughtException')
      for (const listener of mochaListeners) process.on('uncaughtException', listener)
    }

    assert.deepEqual(released, ['first', 'second', 'third'])
    assert.equal(held.size, 0)
    assert.deepEqual(
      uncaught.map((error) => (error as Error).message),
      ['the consumer group is gone'],
    )
  })
})
