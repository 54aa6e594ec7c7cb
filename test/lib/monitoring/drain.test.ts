import {strict as assert} from 'node:assert'

import {formatDrain} from '../../../src/lib/output/durations.js'
import {formatRate} from '../../../src/lib/output/monitoring.js'
import {type CommitSample, commitRate, drainSeconds} from '../../../src/lib/monitoring/index.js'

const sample = (at: number, offsets: Array<[number, number]>): CommitSample => ({at, offsets: new Map(offsets)})

describe('status: rate and drain estimate', () => {
  it('takes the rate from the growth of the committed offsets over the time between two samples', () => {
    const before = sample(10_000, [[0, 100], [1, 50]])
    const after = sample(12_000, [[0, 140], [1, 70]])
    assert.equal(commitRate(before, after), 30)
  })

  it('is 0 when the group committed nothing, and unknown without an earlier sample', () => {
    assert.equal(commitRate(sample(0, [[0, 5]]), sample(2000, [[0, 5]])), 0)
    assert.equal(commitRate(undefined, sample(2000, [[0, 5]])), null)
  })

  it('leaves out partitions without an offset in both samples, or whose offset went back', () => {
    const before = sample(0, [[0, 100], [1, 900]])
    const after = sample(1000, [[0, 110], [1, 10], [2, 500]])
    assert.equal(commitRate(before, after), 10)
    assert.equal(commitRate(sample(0, [[1, 5]]), sample(1000, [[0, 5]])), null)
  })

  it('is unknown over an empty or backward window', () => {
    assert.equal(commitRate(sample(1000, [[0, 1]]), sample(1000, [[0, 5]])), null)
    assert.equal(commitRate(sample(2000, [[0, 1]]), sample(1000, [[0, 5]])), null)
  })

  it('estimates the drain as lag divided by rate: the wait of a job dispatched now', () => {
    assert.equal(drainSeconds(1200, 40), 30)
  })

  it('is 0 ("now") without lag, and unknown ("-") when the rate is 0 or unknown, or the lag unknown', () => {
    assert.equal(drainSeconds(0, null), 0)
    assert.equal(drainSeconds(0, 0), 0)
    assert.equal(drainSeconds(10, 0), null)
    assert.equal(drainSeconds(10, null), null)
    assert.equal(drainSeconds(null, 5), null)
  })

  it('shows the estimate rounded up, in the two largest units', () => {
    const cases: Array<[number | null, string]> = [
      [null, '-'],
      [0, 'now'],
      [0.2, '1s'],
      [45, '45s'],
      [59.5, '1m00s'],
      [750, '12m30s'],
      [3600 * 3 + 5 * 60, '3h05m'],
      [86_400 * 2 + 3600 * 4 + 1, '2d04h'],
    ]
    for (const [seconds, text] of cases) assert.equal(formatDrain(seconds), text, String(seconds))
  })

  it('shows the rate in jobs per second with one decimal, or "-" when unknown', () => {
    assert.equal(formatRate(null), '-')
    assert.equal(formatRate(0), '0.0/s')
    assert.equal(formatRate(12.345), '12.3/s')
  })
})
