import {strict as assert} from 'node:assert'

import {type PartitionPosition} from '../../../src/lib/kafka/index.js'
import {Committer, decodeFinished, encodeFinished} from '../../../src/lib/worker/committer.js'
import {PartitionLedger} from '../../../src/lib/worker/ledger.js'

/** A commit function that holds each call until released, to see what overlaps. */
function gatedCommits() {
  const calls: PartitionPosition[][] = []
  const releases: Array<() => void> = []
  const send = async (positions: PartitionPosition[]) => {
    calls.push(positions)
    await new Promise<void>((resolve) => releases.push(resolve))
  }

  return {calls, send, releaseNext: () => releases.shift()?.()}
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('committer', () => {
  it('keeps one commit in flight, and sends the latest watermark right after it', async () => {
    const ledger = new PartitionLedger('jobs', 0, 0)
    for (let offset = 0; offset < 5; offset++) ledger.take(offset)
    const gate = gatedCommits()
    const committer = new Committer(() => [ledger], gate.send)
    ledger.finish(0)
    committer.request()
    ledger.finish(1)
    committer.request()
    ledger.finish(2)
    committer.request()
    await tick()
    assert.equal(gate.calls.length, 1, 'the later requests wait for the first commit')
    assert.equal(gate.calls[0][0].offset, 1)
    gate.releaseNext()
    await tick()
    await tick()
    assert.equal(gate.calls.length, 2, 'one more commit carries both later watermarks')
    assert.equal(gate.calls[1][0].offset, 3)
    gate.releaseNext()
    await tick()
    assert.equal(ledger.committed, 3)
  })

  it('commits again when a job finishes above an unmoved watermark, so that a stop does not run it twice', async () => {
    const ledger = new PartitionLedger('jobs', 0, 0)
    for (let offset = 0; offset < 4; offset++) ledger.take(offset)
    const sent: PartitionPosition[][] = []
    const committer = new Committer(() => [ledger], async (positions) => {
      sent.push(positions)
    })
    ledger.finish(0)
    await committer.flush()
    // Offset 1 runs on (a slow job, or one whose key waits); 2 and 3 finish meanwhile.
    assert.equal(ledger.finish(2), true, 'a commit is asked for')
    ledger.finish(3)
    await committer.flush()
    assert.deepEqual(
      sent.map(([position]) => [position.offset, [...decodeFinished(position.offset, position.metadata)]]),
      [
        [1, []],
        [1, [2, 3]],
      ],
    )
    await committer.flush()
    assert.equal(sent.length, 2, 'nothing changed since: no third commit')
  })

  it('commits only partitions whose watermark moved, never revoked ones', async () => {
    const moved = new PartitionLedger('jobs', 0, 0)
    const still = new PartitionLedger('jobs', 1, 0)
    const revoked = new PartitionLedger('jobs', 2, 0)
    for (const ledger of [moved, still, revoked]) ledger.take(0)
    moved.finish(0)
    revoked.finish(0)
    revoked.revoked = true
    const sent: PartitionPosition[][] = []
    await new Committer(() => [moved, still, revoked], async (positions) => {
      sent.push(positions)
    }).flush()
    assert.deepEqual(
      sent.map((positions) => positions.map(({partition, offset}) => ({partition, offset}))),
      [[{partition: 0, offset: 1}]],
    )
  })

  it('carries the offsets finished above the watermark in the commit metadata', async () => {
    const ledger = new PartitionLedger('jobs', 0, 0)
    for (let offset = 100; offset < 110; offset++) ledger.take(offset)
    ledger.finish(100)
    ledger.finish(103)
    ledger.finish(109)
    const sent: PartitionPosition[] = []
    await new Committer(() => [ledger], async (positions) => {
      sent.push(...positions)
    }).flush()
    assert.equal(sent[0].offset, 101)
    assert.deepEqual([...decodeFinished(101, sent[0].metadata)], [103, 109])
  })

  it('says a failed final commit, and leaves the watermark uncommitted', async () => {
    const ledger = new PartitionLedger('jobs', 0, 0)
    ledger.take(0)
    ledger.finish(0)
    const committer = new Committer(() => [ledger], async () => {
      throw new Error('coordinator gone')
    })
    await assert.rejects(committer.flush(), /coordinator gone/)
    assert.equal(ledger.uncommitted, true)
  })

  it('says when commits start failing, tries again on its own, and says when one works again', async () => {
    const ledger = new PartitionLedger('jobs', 0, 0)
    ledger.take(0)
    ledger.finish(0)
    let broker = 'away'
    const sent: number[] = []
    const told: boolean[] = []
    const committer = new Committer(
      () => [ledger],
      async (positions) => {
        if (broker === 'away') throw new Error('broker gone')
        sent.push(positions[0].offset)
      },
      {retryMs: 20, failing: (failing) => told.push(failing)},
    )
    committer.request()
    for (let waited = 0; told.length === 0 && waited < 2000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.deepEqual(told, [true], 'told once, however many retries fail')
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.deepEqual(told, [true])
    broker = 'back'
    for (let waited = 0; sent.length === 0 && waited < 2000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10))
    await tick()
    assert.deepEqual(sent, [1], 'the retry commits without another request')
    assert.deepEqual(told, [true, false])
    assert.equal(ledger.uncommitted, false)
    committer.stop()
  })

  it('counts a commit left unanswered past its stall time as failing, and recovers when it is answered', async () => {
    const ledger = new PartitionLedger('jobs', 0, 0)
    ledger.take(0)
    ledger.finish(0)
    const gate = gatedCommits()
    const told: boolean[] = []
    const committer = new Committer(() => [ledger], gate.send, {stallMs: 30, failing: (failing) => told.push(failing)})
    committer.request()
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.deepEqual(told, [true], 'a broker that does not answer holds new jobs before kafkajs gives up')
    gate.releaseNext()
    await tick()
    await tick()
    assert.deepEqual(told, [true, false])
  })

  it('keeps commit metadata within what Kafka accepts, dropping what does not fit', () => {
    const finished = Array.from({length: 5000}, (_, index) => 1000 + index * 3)
    const text = encodeFinished(999, finished) as string
    assert.ok(text.length <= 4000)
    const decoded = decodeFinished(999, text)
    assert.ok(decoded.size > 100)
    for (const offset of decoded) assert.ok(finished.includes(offset))
  })

  it('reads no finished offsets from metadata it did not write', () => {
    assert.equal(decodeFinished(5, null).size, 0)
    assert.equal(decodeFinished(5, 'some other tool').size, 0)
    assert.equal(encodeFinished(5, []), undefined)
  })
})
