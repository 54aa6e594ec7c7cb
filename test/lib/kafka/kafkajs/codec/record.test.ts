import {strict as assert} from 'node:assert'
import {createRequire} from 'node:module'

import {type RecordInput, encodeRecord} from '../../../../../src/lib/kafka/kafkajs/codec/record.js'

// kafkajs's own record encoder, which encodeRecord stands in for in kq's bundle.
const kafkajsRecord = createRequire(import.meta.url)('kafkajs/src/protocol/recordBatch/record/v0') as (input: RecordInput) => {buffer: Buffer; size(): number}

/** A small deterministic generator: the same cases on every run. */
function generator(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648
    return state / 2_147_483_648
  }
}

describe('record encoding (kafkajs record v0, one buffer)', () => {
  it('writes exactly the bytes kafkajs writes, for keys, values and headers of strings and buffers', () => {
    const random = generator(42)
    const text = (length: number) =>
      Array.from({length}, () => String.fromCodePoint([0x61, 0xe9, 0x4e2d, 0x1f600, 0x7a][Math.floor(random() * 5)])).join('')
    const bytes = (length: number) => Buffer.from(Array.from({length}, () => Math.floor(random() * 256)))
    const field = () => {
      const pick = random()
      return pick < 0.15 ? null : pick < 0.2 ? undefined : pick < 0.6 ? text(Math.floor(random() * 300)) : bytes(Math.floor(random() * 300))
    }

    for (let round = 0; round < 2000; round++) {
      const headers: Record<string, string | Buffer | Array<string | Buffer>> = {}
      const count = Math.floor(random() * 4)
      for (let index = 0; index < count; index++) {
        const value = random() < 0.5 ? text(Math.floor(random() * 40)) : bytes(Math.floor(random() * 40))
        headers[`kq-${text(Math.floor(random() * 8))}`] = random() < 0.2 ? [value, text(3)] : value
      }

      const input: RecordInput = {
        offsetDelta: Math.floor(random() * (round % 10 === 0 ? 2 ** 30 : 5000)),
        timestampDelta: Math.floor(random() * (round % 7 === 0 ? 2 ** 45 : 100_000)),
        key: field(),
        value: field(),
        headers,
      }
      const ours = encodeRecord(input)
      assert.ok(ours, `not encoded: round ${round}`)
      const theirs = kafkajsRecord(input)
      assert.deepEqual(ours.buffer, theirs.buffer, `round ${round}`)
      assert.equal(ours.size(), theirs.size())
    }
  })

  it('writes a record with defaults, and an empty value, as kafkajs does', () => {
    for (const input of [{}, {value: ''}, {key: Buffer.alloc(0), value: 'x', headers: {}}, {value: 'x', timestampDelta: 0, offsetDelta: 0}]) {
      assert.deepEqual(encodeRecord(input)?.buffer, kafkajsRecord(input).buffer)
    }
  })

  it('leaves to kafkajs what kq never sends: numbers, objects, fractions, null header values', () => {
    assert.equal(encodeRecord({value: 42}), undefined)
    assert.equal(encodeRecord({key: {id: 1}, value: 'x'}), undefined)
    assert.equal(encodeRecord({value: 'x', timestampDelta: 1.5}), undefined)
    assert.equal(encodeRecord({value: 'x', headers: {a: null}}), undefined)
    assert.equal(encodeRecord({value: 'x', headers: null}), undefined)
  })
})
