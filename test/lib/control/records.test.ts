import {strict as assert} from 'node:assert'

import {type ControlRecord, ControlState, encodeControl} from '../../../src/lib/control/index.js'
import {type IncomingMessage} from '../../../src/lib/kafka/index.js'

let offset = 0

function message(record: ControlRecord | string): IncomingMessage {
  const value = typeof record === 'string' ? record : String(encodeControl(record).value)
  return {topic: 'kq-control', partition: 0, offset: offset++, timestamp: 0, key: null, value: Buffer.from(value), headers: {}}
}

const by = 'ops-1:77'
const at = '2026-11-26T17:30:00.000Z'

describe('control records', () => {
  it('keys a restart once and each queue by its topic, so that compaction keeps the current state', () => {
    assert.equal(encodeControl({action: 'restart', at, by}).key, 'restart')
    assert.equal(encodeControl({action: 'pause', queue: 'emails', topic: 'emails', at, by}).key, 'queue:emails')
    assert.equal(encodeControl({action: 'continue', queue: 'emails', topic: 'emails', at, by}).key, 'queue:emails')
  })

  it('folds pauses and continues into the paused queues, telling only real changes', () => {
    const state = new ControlState()
    assert.equal(state.apply(message({action: 'pause', queue: 'emails', topic: 'emails', at, by}))?.kind, 'paused')
    assert.equal(state.apply(message({action: 'pause', queue: 'emails', topic: 'emails', at, by})), undefined)
    assert.equal(state.apply(message({action: 'pause', queue: 'sms', topic: 'sms', at, by}))?.kind, 'paused')
    assert.equal(state.apply(message({action: 'continue', queue: 'emails', topic: 'emails', at, by}))?.kind, 'continued')
    assert.equal(state.apply(message({action: 'continue', queue: 'emails', topic: 'emails', at, by})), undefined)
    assert.deepEqual([...state.paused.keys()], ['sms'])
  })

  it('reports a restart with its offset: a worker compares it with where the topic ended when it started', () => {
    const state = new ControlState()
    const first = offset
    const change = state.apply(message({action: 'restart', at, by}))
    assert.deepEqual(change, {kind: 'restart', record: {action: 'restart', at, by}, offset: first})
    assert.equal(state.restart?.offset, first)
  })

  it('skips records it cannot read instead of failing the worker', () => {
    const state = new ControlState()
    assert.equal(state.apply(message('not json')), undefined)
    assert.equal(state.apply(message('{"action":"self-destruct"}')), undefined)
    assert.equal(state.apply(message('{"action":"pause"}')), undefined)
    assert.equal(state.paused.size, 0)
  })
})
