import {strict as assert} from 'node:assert'

import {type IncomingMessage} from '../../../src/lib/kafka/index.js'
import {PartitionLedger} from '../../../src/lib/worker/ledger.js'
import {type Entry, Scheduler} from '../../../src/lib/worker/scheduler.js'

function entry(ledger: PartitionLedger, offset: number, key: string | null = null): Entry {
  const record: IncomingMessage = {
    topic: ledger.topic,
    partition: ledger.partition,
    offset,
    timestamp: 0,
    key: key === null ? null : Buffer.from(key),
    value: null,
    headers: {},
  }
  return {record, ledger, lane: key}
}

function drain(scheduler: Scheduler): string[] {
  const started: string[] = []
  for (let next = scheduler.next(); next; next = scheduler.next()) started.push(`${next.ledger.topic}@${next.record.offset}`)
  return started
}

describe('scheduler', () => {
  it('runs records without a key side by side, in the order they came', () => {
    const scheduler = new Scheduler(1)
    const ledger = new PartitionLedger('jobs', 0, 0)
    for (const offset of [0, 1, 2]) scheduler.add(entry(ledger, offset))
    assert.deepEqual(drain(scheduler), ['jobs@0', 'jobs@1', 'jobs@2'])
  })

  it('holds a key back while an earlier record of that key waits or runs, and lets other keys pass', () => {
    const scheduler = new Scheduler(1)
    const ledger = new PartitionLedger('jobs', 0, 0)
    const first = entry(ledger, 0, 'a')
    scheduler.add(first)
    scheduler.add(entry(ledger, 1, 'a'))
    scheduler.add(entry(ledger, 2, 'b'))
    scheduler.add(entry(ledger, 3, 'a'))
    assert.deepEqual(drain(scheduler), ['jobs@0', 'jobs@2'], 'a@1 waits for a@0')
    scheduler.done(first)
    const second = scheduler.next()
    assert.equal(second?.record.offset, 1)
    assert.equal(scheduler.next(), undefined, 'a@3 waits for a@1')
    scheduler.done(second!)
    assert.equal(scheduler.next()?.record.offset, 3)
  })

  it('keeps keys apart per partition: one key on two partitions is two lanes', () => {
    const scheduler = new Scheduler(1)
    scheduler.add(entry(new PartitionLedger('jobs', 0, 0), 0, 'a'))
    scheduler.add(entry(new PartitionLedger('jobs', 1, 0), 0, 'a'))
    assert.equal(drain(scheduler).length, 2)
  })

  it('starts a later queue’s record only when no earlier queue has one ready', () => {
    const scheduler = new Scheduler(2)
    const high = new PartitionLedger('high', 0, 0)
    const low = new PartitionLedger('low', 0, 1)
    scheduler.add(entry(low, 0))
    scheduler.add(entry(low, 1))
    scheduler.add(entry(high, 0))
    assert.equal(scheduler.next()?.ledger.topic, 'high')
    scheduler.add(entry(high, 1))
    assert.deepEqual(drain(scheduler), ['high@1', 'low@0', 'low@1'])
  })

  it('counts what waits per partition and per level, behind-key records included', () => {
    const scheduler = new Scheduler(2)
    const high = new PartitionLedger('high', 0, 0)
    const low = new PartitionLedger('low', 0, 1)
    scheduler.add(entry(high, 0, 'k'))
    scheduler.add(entry(high, 1, 'k'))
    scheduler.add(entry(low, 0))
    assert.equal(scheduler.waitingOn(high), 2)
    assert.equal(scheduler.waitingUpTo(0), 2)
    assert.equal(scheduler.waiting, 3)
    scheduler.next()
    assert.equal(scheduler.waitingUpTo(0), 1)
  })

  it('starts nothing of a held queue (kq pause), lets later queues pass, and goes on in order once let go', () => {
    const scheduler = new Scheduler(2)
    const high = new PartitionLedger('high', 0, 0)
    const low = new PartitionLedger('low', 0, 1)
    for (const offset of [0, 1]) scheduler.add(entry(high, offset))
    scheduler.add(entry(low, 0))
    scheduler.hold(0, true)
    // Held records still wait, but no longer count as running before the later queue's.
    assert.equal(scheduler.waiting, 3)
    assert.equal(scheduler.waitingUpTo(1), 1)
    assert.deepEqual(drain(scheduler), ['low@0'])
    scheduler.hold(0, false)
    assert.deepEqual(drain(scheduler), ['high@0', 'high@1'])
  })

  it('forgets a dropped partition’s waiting records and never starts them', () => {
    const scheduler = new Scheduler(1)
    const gone = new PartitionLedger('jobs', 0, 0)
    const kept = new PartitionLedger('jobs', 1, 0)
    scheduler.add(entry(gone, 0))
    scheduler.add(entry(gone, 1, 'k'))
    scheduler.add(entry(gone, 2, 'k'))
    scheduler.add(entry(kept, 0))
    scheduler.drop(gone)
    assert.equal(scheduler.waiting, 1)
    assert.deepEqual(drain(scheduler), ['jobs@0'])
    assert.equal(scheduler.next(), undefined)
    assert.equal(scheduler.waiting, 0)
  })
})
