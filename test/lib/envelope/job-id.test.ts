import {strict as assert} from 'node:assert'

import {isJobId, jobIdTime, newJobId} from '../../../src/lib/envelope/index.js'

const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/

function bytesOf(id: string): number[] {
  return Array.from(Buffer.from(id.replaceAll('-', ''), 'hex'))
}

const filled = (byte: number) => (bytes: number) => new Uint8Array(bytes).fill(byte)

describe('newJobId', () => {
  it('writes a canonical lower-case UUID', () => {
    const id = newJobId()
    assert.match(id, UUID)
    assert.ok(isJobId(id))
  })

  it('sets version 7 and the RFC 9562 variant', () => {
    for (let round = 0; round < 100; round += 1) {
      const bytes = bytesOf(newJobId())
      assert.equal(bytes[6] >> 4, 0x7, 'version')
      assert.equal(bytes[8] >> 6, 0b10, 'variant')
    }
  })

  it('keeps version and variant whatever the random bits', () => {
    assert.equal(newJobId(0, filled(0x00)), '00000000-0000-7000-8000-000000000000')
    assert.equal(newJobId(0, filled(0xff)), '00000000-0000-7fff-bfff-ffffffffffff')
  })

  it('starts with the 48-bit big-endian timestamp, which jobIdTime recovers', () => {
    for (const now of [0, 1, 255, 2 ** 32 - 1, 2 ** 32, 1_764_178_201_123, Date.now(), 2 ** 48 - 1]) {
      const id = newJobId(now)
      assert.equal(jobIdTime(id), now, id)
      assert.equal(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16), now)
    }

    assert.equal(newJobId(1_764_178_201_123, filled(0)).slice(0, 13), '019ac137-0a23')
  })

  it('drops the fraction of a fractional millisecond', () => {
    assert.equal(jobIdTime(newJobId(1000.9)), 1000)
  })

  it('uses 74 random bits from the source it is given', () => {
    let asked = 0
    const id = newJobId(0, (bytes) => {
      asked = bytes
      return Uint8Array.from([0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xaa, 0xbb])
    })
    assert.equal(asked, 10)
    assert.equal(id, '00000000-0000-7bcd-af01-23456789aabb')
  })

  it('makes distinct ids, even within one millisecond', () => {
    const ids = new Set(Array.from({length: 10_000}, () => newJobId(1_764_178_201_123)))
    assert.equal(ids.size, 10_000)
  })

  it('sorts ids of different milliseconds by time', () => {
    const times = [5, 1_000, 2 ** 32 + 7, 1_764_178_201_123, 1_764_178_201_124, 2 ** 47]
    const ids = times.map((now) => newJobId(now, filled(0xff)))
    assert.deepEqual([...ids].sort(), ids)
  })

  it('refuses a time a UUIDv7 cannot hold, and too few random bytes', () => {
    assert.throws(() => newJobId(-1), RangeError)
    assert.throws(() => newJobId(Number.NaN), RangeError)
    assert.throws(() => newJobId(2 ** 48), RangeError)
    assert.throws(() => newJobId(0, () => new Uint8Array(9)), RangeError)
  })
})

describe('isJobId', () => {
  it('accepts only lower-case UUIDv7', () => {
    assert.ok(isJobId('019ac137-0a23-7e83-847c-280787f65c3b'))
    assert.ok(!isJobId('019AC137-0A23-7E83-847C-280787F65C3B'))
    assert.ok(!isJobId('0b7c6f1e-3d2a-4c5b-9e8f-7a6b5c4d3e2f'))
    assert.ok(!isJobId('019ac137-0a23-7e83-047c-280787f65c3b'))
    assert.ok(!isJobId(42))
  })

  it('refuses to read the time of something that is not a job id', () => {
    assert.throws(() => jobIdTime('nope'), RangeError)
  })
})
