import {strict as assert} from 'node:assert'

import {
  MAX_HANDLED_RANGES,
  type PartitionCursor,
  commitFor,
  cursorRoomProblems,
  decodeHandledRanges,
  encodeHandledRanges,
  isHandled,
  ledgerOf,
  mostRangesWhileAdding,
} from '../../../src/lib/dead-letter/cursor.js'

const range = (from: number, to = from) => ({from, to})
const cursor = (committed: number, handled = [] as Array<{from: number; to: number}>): PartitionCursor => ({partition: 0, committed, handled})
const offsets = (from: number, to: number) => Array.from({length: to - from}, (_, index) => from + index)

describe('dead-letter cursor', () => {
  it('writes handled ranges as compact metadata and reads them back', () => {
    const ranges = [range(5), range(7, 9), range(9_007_199_254_740_000, 9_007_199_254_740_990)]
    const metadata = encodeHandledRanges(ranges)
    assert.equal(metadata, 'kq-dlt/1 5,7-9,9007199254740000-9007199254740990')
    assert.deepEqual(decodeHandledRanges(metadata), ranges)
    assert.equal(encodeHandledRanges([]), null)
  })

  it('ignores metadata it did not write, or cannot read, rather than guessing', () => {
    for (const metadata of [null, '', 'offset-set-by-someone', 'kq-dlt/1 ', 'kq-dlt/1 5,x', 'kq-dlt/1 9-7', 'kq-dlt/2 5']) {
      assert.deepEqual(decodeHandledRanges(metadata), [], String(metadata))
    }
  })

  it('keeps the metadata of 100 ranges of the largest offsets under Kafka’s 4096-byte default', () => {
    const big = 2 ** 53 - 1000
    const ranges = Array.from({length: MAX_HANDLED_RANGES}, (_, index) => range(big + index * 3, big + index * 3 + 1))
    assert.ok(encodeHandledRanges(ranges)!.length < 4096)
  })

  it('counts a record handled before the cursor or inside a handled range', () => {
    const at = cursor(10, [range(12), range(15, 17)])
    assert.deepEqual(
      offsets(8, 19).filter((offset) => isHandled(at, offset)),
      [8, 9, 12, 15, 16, 17],
    )
    assert.equal(isHandled(cursor(-1), 0), false)
  })

  it('moves the cursor past a handled prefix and keeps records handled out of order as ranges', () => {
    const ledger = ledgerOf(cursor(10), offsets(10, 20), 20)
    assert.deepEqual(commitFor(ledger, [10, 11, 13, 15, 16]), {partition: 0, offset: 12, metadata: 'kq-dlt/1 13,15-16', handledBeyond: 2})
    // Everything handled: the cursor goes to the end and the ranges go away.
    assert.deepEqual(commitFor(ledger, offsets(10, 20)), {partition: 0, offset: 20, metadata: null, handledBeyond: 0})
  })

  it('joins ranges already handled with new ones, and lets the cursor swallow them', () => {
    const ledger = ledgerOf(cursor(10, [range(12, 13), range(16)]), offsets(10, 20), 20)
    assert.deepEqual(commitFor(ledger, [14, 15]), {partition: 0, offset: 10, metadata: 'kq-dlt/1 12-16', handledBeyond: 1})
    assert.deepEqual(commitFor(ledger, [10, 11]), {partition: 0, offset: 14, metadata: 'kq-dlt/1 16', handledBeyond: 1})
  })

  it('does not let offsets without a record (transaction markers) split a range or stop the cursor', () => {
    // Records at 10, 12, 14, 16: the odd offsets hold no record.
    const ledger = ledgerOf(cursor(10), [10, 12, 14, 16], 17)
    assert.deepEqual(commitFor(ledger, [12, 14]), {partition: 0, offset: 10, metadata: 'kq-dlt/1 12-14', handledBeyond: 1})
    assert.deepEqual(commitFor(ledger, [10, 12, 14, 16]), {partition: 0, offset: 17, metadata: null, handledBeyond: 0})
  })

  it('starts a group without commits at the first record, and an empty partition at its end', () => {
    assert.equal(commitFor(ledgerOf(cursor(-1), offsets(3, 6), 6), [4]).offset, 3)
    assert.equal(commitFor(ledgerOf(cursor(-1), [], 6)).offset, 6)
  })

  it('counts the most ranges a replay passes through, one record at a time', () => {
    const ledger = ledgerOf(cursor(0), offsets(0, 10), 10)
    // Every other record: the ranges grow one by one.
    assert.equal(mostRangesWhileAdding(ledger, [1, 3, 5, 7, 9]), 5)
    // From the cursor on: the cursor moves, no range is ever needed.
    assert.equal(mostRangesWhileAdding(ledger, offsets(0, 10)), 0)
    // Filling the gaps between handled ranges merges them, so the count only falls.
    const gappy = ledgerOf(cursor(0, [range(1), range(3), range(5)]), offsets(0, 10), 10)
    assert.equal(mostRangesWhileAdding(gappy, [0, 2, 4]), 3)
    assert.equal(commitFor(gappy, [0, 2, 4]).handledBeyond, 0)
  })

  it('agrees with the commits it predicts, at every step', () => {
    const ledger = ledgerOf(cursor(0, [range(4), range(8, 9)]), offsets(0, 30), 30)
    const adding = [2, 6, 11, 13, 15, 3, 5, 7, 20]
    let most = commitFor(ledger).handledBeyond
    for (let step = 1; step <= adding.length; step++) most = Math.max(most, commitFor(ledger, adding.slice(0, step)).handledBeyond)
    assert.equal(mostRangesWhileAdding(ledger, adding), most)
  })

  it('refuses a selection that would need more ranges than the metadata may hold', () => {
    const ledger = ledgerOf(cursor(0), offsets(0, 1000), 1000)
    const everyOther = offsets(0, 500).map((index) => index * 2 + 1)
    const ledgers = new Map([[0, ledger]])
    assert.deepEqual(cursorRoomProblems(ledgers, new Map([[0, everyOther]])), [{partition: 0, ranges: 500}])
    assert.deepEqual(cursorRoomProblems(ledgers, new Map([[0, everyOther.slice(0, MAX_HANDLED_RANGES)]])), [])
    assert.deepEqual(cursorRoomProblems(ledgers, new Map([[0, offsets(0, 1000)]])), [])
  })
})
