import {strict as assert} from 'node:assert'
import {createRequire} from 'node:module'

import {crc32c} from '../../../../../src/lib/kafka/kafkajs/codec/crc32c.js'

// kafkajs's own, byte at a time: crc32c stands in for it in kq's bundle.
const kafkajsCrc32c = createRequire(import.meta.url)('kafkajs/src/protocol/recordBatch/crc32C/crc32C') as (buffer: Buffer) => number

describe('CRC-32C', () => {
  it('gives the standard check value', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3_06_92_83)
    assert.equal(crc32c(Buffer.alloc(0)), 0)
  })

  it('agrees with kafkajs on every length around its eight-byte steps and on random buffers', () => {
    let seed = 7
    const byte = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return seed & 0xff
    }

    for (let length = 0; length < 300; length++) {
      const buffer = Buffer.from(Array.from({length}, byte))
      assert.equal(crc32c(buffer), kafkajsCrc32c(buffer), `length ${length}`)
      // A view into a larger buffer, as a record batch's body is.
      const view = Buffer.concat([Buffer.from([1, 2, 3]), buffer]).subarray(3)
      assert.equal(crc32c(view), kafkajsCrc32c(buffer))
    }
  })
})
