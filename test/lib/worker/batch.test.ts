import {strict as assert} from 'node:assert'

import {dueAt, lanesByKey} from '../../../src/lib/worker/batch.js'
import {type IncomingMessage} from '../../../src/lib/kafka/index.js'

function record(key: string | Buffer | null): IncomingMessage {
  return {
    topic: 't',
    partition: 0,
    offset: '0',
    timestamp: '0',
    key: typeof key === 'string' ? Buffer.from(key) : key,
    value: null,
    headers: {},
  }
}

describe('worker batches', () => {
  it('groups a batch by key, keeping offset order within each key', () => {
    const lanes = lanesByKey([record('a'), record('b'), record('a'), record('c'), record('b'), record('a')])
    assert.deepEqual(lanes, [
      [0, 2, 5],
      [1, 4],
      [3],
    ])
  })

  it('gives every record without a key a lane of its own: they promise no order', () => {
    assert.deepEqual(lanesByKey([record(null), record('k'), record(null)]), [[1], [0], [2]])
  })

  it('tells binary keys apart byte for byte', () => {
    const lanes = lanesByKey([record(Buffer.from([0xff, 0x00])), record(Buffer.from([0xff, 0x01])), record(Buffer.from([0xff, 0x00]))])
    assert.deepEqual(lanes, [[0, 2], [1]])
  })

  it('reads a retry record’s due time, and treats a missing or bad one as due now', () => {
    assert.equal(dueAt({'kq-not-before': '2026-11-26T17:30:01.123Z'}), Date.parse('2026-11-26T17:30:01.123Z'))
    assert.equal(dueAt({}), 0)
    assert.equal(dueAt({'kq-not-before': 'soon'}), 0)
  })
})
