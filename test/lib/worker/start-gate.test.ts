import {strict as assert} from 'node:assert'

import {PartitionLedger} from '../../../src/lib/worker/ledger.js'
import {StartGate} from '../../../src/lib/worker/start-gate.js'

const notHeld = () => false

describe('start gate', () => {
  it('holds back the queues after the earliest unseen partition, and nothing once all are seen', () => {
    const gate = new StartGate(() => {})
    const high = new PartitionLedger('high', 0, 0)
    const mid = new PartitionLedger('mid', 0, 1)
    gate.close([mid, high])
    assert.equal(gate.lastLevel(notHeld), 0)
    gate.seen(high)
    assert.equal(gate.lastLevel(notHeld), 1)
    gate.seen(mid)
    assert.equal(gate.lastLevel(notHeld), Number.POSITIVE_INFINITY)
  })

  it('lets a held (paused) queue hold nothing back', () => {
    const gate = new StartGate(() => {})
    gate.close([new PartitionLedger('high', 0, 0)])
    assert.equal(gate.lastLevel((level) => level === 0), Number.POSITIVE_INFINITY)
    gate.clear()
  })

  it('counts its bound from when the partitions\' progress has been read', async () => {
    let opened = 0
    const gate = new StartGate(() => opened++, 20)
    let loaded!: () => void
    gate.close([new PartitionLedger('high', 0, 0)], new Promise<void>((resolve) => (loaded = resolve)))
    await new Promise((resolve) => setTimeout(resolve, 60))
    assert.equal(opened, 0, 'still reading: nothing could have been fetched')
    loaded()
    await new Promise((resolve) => setTimeout(resolve, 60))
    assert.equal(opened, 1)
  })

  it('opens by itself once its bound passes, and says so', async () => {
    let opened = 0
    const gate = new StartGate(() => opened++, 20)
    gate.close([new PartitionLedger('high', 0, 0)])
    await new Promise((resolve) => setTimeout(resolve, 60))
    assert.equal(opened, 1)
    assert.equal(gate.lastLevel(notHeld), Number.POSITIVE_INFINITY)
  })
})
