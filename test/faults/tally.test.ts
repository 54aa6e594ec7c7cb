import {strict as assert} from 'node:assert'

import {tally} from './tally.js'

const ran = (id: string, attempt = 1, pid = 1) => ({id, attempt, pid})

describe('fault tally', () => {
  it('counts a job that never ran and waits nowhere as lost', () => {
    const result = tally(['a', 'b', 'c'], [ran('a'), ran('b')], [])
    assert.equal(result.lost, 1)
    assert.deepEqual(result.lostIds, ['c'])
  })

  it('counts a job waiting as a dead letter, not run, as accounted for', () => {
    const result = tally(['a', 'b'], [ran('a')], ['b'])
    assert.deepEqual([result.done, result.deadLettered, result.lost], [1, 1, 0])
  })

  it('counts a dead-lettered job that ran after its replay as done, not as a dead letter', () => {
    const result = tally(['a'], [ran('a', 1, 2)], ['a'])
    assert.deepEqual([result.done, result.deadLettered], [1, 0])
  })

  it('counts every run beyond a job first as a re-run', () => {
    const result = tally(['a', 'b'], [ran('a'), ran('a', 1, 2), ran('a', 1, 3), ran('b')], [])
    assert.deepEqual([result.reRuns, result.ranTwice, result.done], [2, 1, 2])
  })

  it('reports ledger lines of jobs never dispatched', () => {
    assert.equal(tally(['a'], [ran('a'), ran('z')], []).strangers, 1)
  })

  it('counts a job dispatched twice (a replay writes it back to its queue) once', () => {
    assert.equal(tally(['a', 'a'], [ran('a')], []).dispatched, 1)
  })
})
