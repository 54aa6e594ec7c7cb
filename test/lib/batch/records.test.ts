import {strict as assert} from 'node:assert'

import {BatchBook, type BatchRecord, decodeBatchRecord, encodeBatchRecord, endJobId, endJobsDue} from '../../../src/lib/batch/records.js'
import {isJobId, jobIdTime} from '../../../src/lib/envelope/index.js'

const BATCH = '0192f5a0-7c1e-7abc-9def-0123456789ab'
const at = '2026-12-01T09:00:00.000Z'

function created(total: number, extra: Partial<Extract<BatchRecord, {type: 'created'}>> = {}): BatchRecord {
  return {
    type: 'created',
    batch: BATCH,
    at,
    total,
    allowFailures: false,
    then: {job: 'AlbumReady', queue: 'images'},
    catch: {job: 'AlbumFailed', queue: 'images'},
    finally: {job: 'AlbumClosed', queue: 'images'},
    ...extra,
  }
}

const ended = (id: string, ok = true): BatchRecord => ({type: 'job', batch: BATCH, at, id, job: 'Resize', ok})

/** The records through the wire format, as the worker and batch:show read them. */
function fold(records: BatchRecord[]): BatchBook {
  const book = new BatchBook()
  for (const record of records) book.applyMessage({value: Buffer.from(encodeBatchRecord(record).value)})
  return book
}

describe('batch records, folded', () => {
  it('counts each job once, however often it reports its end', () => {
    const batch = fold([created(3), ended('a'), ended('a'), ended('b', false), ended('b')]).get(BATCH)!
    assert.equal(batch.total, 3)
    assert.equal(batch.done, 1)
    assert.equal(batch.failed, 1)
    assert.equal(batch.pending, 1)
    assert.deepEqual(batch.failedJobs, [{id: 'b', job: 'Resize'}])
    assert.equal(batch.completedBy, undefined)
  })

  it('names as completing the job whose first end brought the count to the total, not a later repeat', () => {
    const batch = fold([created(2), ended('a'), ended('b'), ended('a'), ended('b')]).get(BATCH)!
    assert.equal(batch.pending, 0)
    assert.equal(batch.completedBy, 'b')
  })

  it('dispatches then and finally from the completing job only, each with an id that is the same every time', () => {
    const book = fold([created(2), ended('a'), ended('b')])
    assert.deepEqual(endJobsDue(book.get(BATCH), 'a'), [])
    const due = endJobsDue(book.get(BATCH), 'b')
    assert.deepEqual(due.map((end) => [end.role, end.job, end.queue]), [
      ['then', 'AlbumReady', 'images'],
      ['finally', 'AlbumClosed', 'images'],
    ])
    assert.deepEqual(due[0].payload, {batch: BATCH, total: 2, failed: 0, failedJobs: []})
    // The same job run again, after a crash before the finished record, makes the same ids.
    assert.deepEqual(endJobsDue(fold([created(2), ended('a'), ended('b'), ended('b')]).get(BATCH), 'b').map((end) => end.id), due.map((end) => end.id))
  })

  it('dispatches nothing once a finished record is in', () => {
    const book = fold([created(1), ended('a'), {type: 'finished', batch: BATCH, at, by: 'a', dispatched: ['then', 'finally']}, ended('a')])
    assert.deepEqual(endJobsDue(book.get(BATCH), 'a'), [])
    assert.deepEqual(book.get(BATCH)!.finished?.dispatched, ['then', 'finally'])
  })

  it('dispatches catch, not then, when a job failed for good and failures are not allowed', () => {
    const due = endJobsDue(fold([created(2), ended('a', false), ended('b')]).get(BATCH), 'b')
    assert.deepEqual(due.map((end) => end.role), ['catch', 'finally'])
    assert.deepEqual(due[0].payload.failedJobs, [{id: 'a', job: 'Resize'}])
  })

  it('dispatches then despite failures when they are allowed', () => {
    const due = endJobsDue(fold([created(2, {allowFailures: true}), ended('a', false), ended('b')]).get(BATCH), 'b')
    assert.deepEqual(due.map((end) => end.role), ['then', 'finally'])
    assert.equal(due[0].payload.failed, 1)
  })

  it('dispatches nothing for a batch whose created record was not read', () => {
    const book = fold([ended('a'), ended('b')])
    assert.equal(book.get(BATCH)!.total, undefined)
    assert.deepEqual(endJobsDue(book.get(BATCH), 'b'), [])
  })

  it('skips records it cannot read', () => {
    assert.equal(decodeBatchRecord({value: Buffer.from('not json')}), undefined)
    assert.equal(decodeBatchRecord({value: Buffer.from('{"type":"job","batch":"x"}')}), undefined)
    assert.equal(decodeBatchRecord({value: null}), undefined)
  })

  it('makes end job ids that are job ids of the batch’s time, apart by role', () => {
    const then = endJobId(BATCH, 'then')
    assert.ok(isJobId(then))
    assert.equal(jobIdTime(then), jobIdTime(BATCH))
    assert.equal(endJobId(BATCH, 'then'), then)
    assert.notEqual(endJobId(BATCH, 'finally'), then)
  })
})
