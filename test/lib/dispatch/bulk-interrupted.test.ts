import {strict as assert} from 'node:assert'

import {BulkDispatchInterruptedError, describeBulkStop} from '../../../src/lib/dispatch/bulk-interrupted.js'
import {ExitCode, KqError} from '../../../src/lib/errors.js'

const stop = {
  sent: {jobs: 3000, lastLine: 3002},
  uncertain: {jobs: 1000, firstLine: 3003, lastLine: 4004},
  unsent: {jobs: 6000, firstLine: 4005},
  source: 'jobs.ndjson',
  job: 'SendEmail',
}

describe('a bulk dispatch that stopped part way', () => {
  it('names the lines sent, the batch in doubt, the lines not sent, by line number in the file', () => {
    assert.equal(
      describeBulkStop(stop),
      'lines 1-3002 were sent (3000 jobs), lines 3003-4004 (1000 jobs) may have been sent in part, lines 4005 onward (6000 jobs) were not: ' +
        'send the rest with `tail -n +3003 jobs.ndjson | kq dispatch SendEmail --ndjson -` and the same options (jobs of lines 3003-4004 may then run twice)',
    )
  })

  it('says no line was sent when the first batch failed, and nothing of unsent lines when it was the last', () => {
    const first = describeBulkStop({...stop, sent: {jobs: 0, lastLine: null}, unsent: {jobs: 0, firstLine: null}, source: '-'})
    assert.match(first, /^no line was sent, lines 3003-4004 \(1000 jobs\) may have been sent in part: send the rest with `tail -n \+3003 the same input \|/)
  })

  it('keeps the exit code of the failure that stopped it, and its message first', () => {
    const error = new BulkDispatchInterruptedError(stop, new KqError('cannot reach Kafka at a:1 (connection refused): start one', ExitCode.Unreachable))
    assert.equal(error.exitCode, ExitCode.Unreachable)
    assert.match(error.message, /^cannot reach Kafka at a:1 \(connection refused\): start one; lines 1-3002 were sent/)
    assert.deepEqual(error.details, {sent: 3000, lastSentLine: 3002, uncertainLines: [3003, 4004], unsent: 6000})
  })
})
