import {strict as assert} from 'node:assert'

import {PartitionLedger} from '../../../src/lib/worker/ledger.js'

function ledgerWith(...offsets: number[]): PartitionLedger {
  const ledger = new PartitionLedger('jobs', 0, 0)
  for (const offset of offsets) ledger.take(offset)
  return ledger
}

describe('partition ledger', () => {
  it('moves the watermark only past a contiguous run of finished records', () => {
    const ledger = ledgerWith(10, 11, 12, 13)
    assert.equal(ledger.watermark, undefined, 'nothing finished, nothing to commit')
    assert.equal(ledger.finish(12), false, 'a record finished ahead of an unfinished one')
    assert.equal(ledger.watermark, undefined)
    assert.equal(ledger.finish(10), true)
    assert.equal(ledger.watermark, 11)
    assert.equal(ledger.finish(11), true)
    assert.equal(ledger.watermark, 13, 'passes 12, finished before')
    assert.equal(ledger.settled, false)
    ledger.finish(13)
    assert.equal(ledger.watermark, 14)
    assert.equal(ledger.settled, true)
  })

  it('follows the offsets it was given, gaps included (compacted topics, transaction markers)', () => {
    const ledger = ledgerWith(5, 9, 20)
    ledger.finish(9)
    ledger.finish(5)
    assert.equal(ledger.watermark, 10, 'a restart fetches from 10 and Kafka answers with 20')
    ledger.finish(20)
    assert.equal(ledger.watermark, 21)
  })

  it('lists what is finished above the watermark, for the commit metadata', () => {
    const ledger = ledgerWith(0, 1, 2, 3, 4)
    ledger.finish(2)
    ledger.finish(4)
    assert.deepEqual(ledger.finishedAbove(), [2, 4])
    assert.equal(ledger.open, 3)
    ledger.finish(0)
    ledger.finish(1)
    assert.deepEqual(ledger.finishedAbove(), [4], 'the watermark passed 2: only 4 is above it')
    assert.equal(ledger.open, 1)
    ledger.finish(3)
    assert.deepEqual(ledger.finishedAbove(), [])
    assert.equal(ledger.open, 0)
  })

  it('knows the records it took, so that a record fetched again after a rebalance is not run twice', () => {
    const ledger = ledgerWith(3, 4)
    assert.equal(ledger.wasTaken(4), true)
    assert.equal(ledger.wasTaken(5), false)
    assert.equal(new PartitionLedger('jobs', 0, 0).wasTaken(0), false)
  })

  it('says the watermark is uncommitted until told it was committed', () => {
    const ledger = ledgerWith(0)
    ledger.finish(0)
    assert.equal(ledger.uncommitted, true)
    ledger.committed = ledger.watermark
    assert.equal(ledger.uncommitted, false)
  })

  it('ignores a record finished twice or never taken', () => {
    const ledger = ledgerWith(0, 1)
    assert.equal(ledger.finish(7), false)
    assert.equal(ledger.finish(0), true)
    assert.equal(ledger.finish(0), false)
    assert.equal(ledger.watermark, 1)
  })

  it('keeps its bookkeeping as small as what is open over a long run', () => {
    const ledger = new PartitionLedger('jobs', 0, 0)
    for (let offset = 0; offset < 100_000; offset++) {
      ledger.take(offset)
      ledger.finish(offset)
    }

    assert.equal(ledger.watermark, 100_000)
    assert.equal(ledger.settled, true)
  })
})
