import {strict as assert} from 'node:assert'

import {DEFAULT_UNIQUE_MS, UniqueLocks} from '../../../src/lib/worker/unique.js'

const P = 'orders:0'

describe('UniqueLocks', () => {
  it('skips a job dispatched while another with its unique id is pending', () => {
    const locks = new UniqueLocks()
    assert.equal(locks.claim(P, {id: 'invoice-7'}, 'job-a', 1000, 2000), 'run')
    assert.equal(locks.claim(P, {id: 'invoice-7'}, 'job-b', 1500, 2100), 'duplicate')
    // Another id, or the same id on another partition, is another lock.
    assert.equal(locks.claim(P, {id: 'invoice-8'}, 'job-c', 1500, 2100), 'run')
    assert.equal(locks.claim('orders:1', {id: 'invoice-7'}, 'job-d', 1500, 2100), 'run')
  })

  it('runs a job dispatched after the first one ended, and skips one dispatched before', () => {
    const locks = new UniqueLocks()
    locks.claim(P, {id: 'invoice-7'}, 'job-a', 1000, 2000)
    locks.ended(P, {id: 'invoice-7'}, 'job-a', 3000)
    assert.equal(locks.claim(P, {id: 'invoice-7'}, 'job-b', 2999, 4000), 'duplicate')
    assert.equal(locks.claim(P, {id: 'invoice-7'}, 'job-c', 3000, 4000), 'run')
  })

  it('runs a duplicate dispatched after uniqueFor, even while the first is still pending', () => {
    const locks = new UniqueLocks()
    locks.claim(P, {id: 'invoice-7', seconds: 5}, 'job-a', 1000, 1000)
    assert.equal(locks.claim(P, {id: 'invoice-7', seconds: 5}, 'job-b', 5999, 6000), 'duplicate')
    assert.equal(locks.claim(P, {id: 'invoice-7', seconds: 5}, 'job-c', 6000, 6000), 'run')
  })

  it('lets a retry of the job that holds the id run, and keeps its lock from its first dispatch', () => {
    const locks = new UniqueLocks()
    locks.claim(P, {id: 'invoice-7', seconds: 60}, 'job-a', 1000, 1000)
    assert.equal(locks.claim(P, {id: 'invoice-7', seconds: 60}, 'job-a', 1000, 30_000), 'run')
    assert.equal(locks.claim(P, {id: 'invoice-7', seconds: 60}, 'job-b', 60_999, 61_000), 'duplicate')
  })

  it('holds an id for an hour when the job sets no uniqueFor, and forgets it an hour after it ended', () => {
    const locks = new UniqueLocks()
    locks.claim(P, {id: 'invoice-7'}, 'job-a', 0, 0)
    assert.equal(locks.claim(P, {id: 'invoice-7'}, 'job-b', DEFAULT_UNIQUE_MS - 1, DEFAULT_UNIQUE_MS), 'duplicate')
    locks.prune(2 * DEFAULT_UNIQUE_MS)
    assert.equal(locks.size, 1)
    locks.prune(2 * DEFAULT_UNIQUE_MS + 1)
    assert.equal(locks.size, 0)
  })

  it('ignores the end of a job that does not hold the id', () => {
    const locks = new UniqueLocks()
    locks.claim(P, {id: 'invoice-7'}, 'job-a', 1000, 1000)
    locks.ended(P, {id: 'invoice-7'}, 'job-b', 2000)
    assert.equal(locks.claim(P, {id: 'invoice-7'}, 'job-c', 3000, 3000), 'duplicate')
  })

  it('runs a replayed job though a later job of its id holds it now, and holds the id from the replay on', () => {
    const locks = new UniqueLocks()
    locks.claim(P, {id: 'invoice-7'}, 'job-a', 1000, 1000)
    locks.ended(P, {id: 'invoice-7'}, 'job-a', 2000)
    locks.claim(P, {id: 'invoice-7'}, 'job-b', 3000, 3000)
    // job-a, dead-lettered, is replayed with its first dispatch time, before job-b's.
    assert.equal(locks.claim(P, {id: 'invoice-7'}, 'job-a', 1000, 10_000), 'duplicate')
    assert.equal(locks.claim(P, {id: 'invoice-7'}, 'job-a', 1000, 10_000, {replayed: true}), 'run')
    assert.equal(locks.claim(P, {id: 'invoice-7'}, 'job-c', 10_001, 10_002), 'duplicate')
  })

  it('skips a first attempt of a job that already ran to its end here, but not its retry, nor one that let its id go as it started', () => {
    const locks = new UniqueLocks()
    locks.claim(P, {id: 'batch-end'}, 'job-a', 1000, 1000)
    // Delivered again while it runs (a record read again): the same job, not a copy of a finished one.
    assert.equal(locks.claim(P, {id: 'batch-end'}, 'job-a', 1000, 1500), 'run')
    locks.ended(P, {id: 'batch-end'}, 'job-a', 2000)
    assert.equal(locks.claim(P, {id: 'batch-end'}, 'job-a', 1000, 3000), 'duplicate')
    assert.equal(locks.claim(P, {id: 'batch-end'}, 'job-a', 1000, 3000, {attempt: 2}), 'run')

    locks.claim(P, {id: 'report'}, 'job-b', 1000, 1000)
    locks.ended(P, {id: 'report'}, 'job-b', 1000, false)
    assert.equal(locks.claim(P, {id: 'report'}, 'job-b', 1000, 3000), 'run')
  })
})
