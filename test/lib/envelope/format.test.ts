import {strict as assert} from 'node:assert'

import {describeSize, describeValue, formatBytes} from '../../../src/lib/envelope/format.js'

describe('envelope message text', () => {
  it('writes sizes in decimal units, as Kafka limits are written', () => {
    assert.equal(formatBytes(0), '0 bytes')
    assert.equal(formatBytes(1), '1 byte')
    assert.equal(formatBytes(999), '999 bytes')
    assert.equal(formatBytes(1000), '1 kB')
    assert.equal(formatBytes(1_540), '1.5 kB')
    assert.equal(formatBytes(999_999), '1 MB')
    assert.equal(formatBytes(1_000_000), '1 MB')
    assert.equal(formatBytes(1_300_000), '1.3 MB')
    assert.equal(formatBytes(1_048_588), '1 MB')
    assert.equal(formatBytes(2_500_000_000), '2.5 GB')
  })

  it('gives exact sizes when the rounded ones would look equal', () => {
    assert.deepEqual(describeSize(1_300_000, 1_000_000), {size: '1.3 MB', limit: '1 MB'})
    assert.deepEqual(describeSize(1_000_001, 1_000_000), {size: '1000001 bytes', limit: '1000000-byte'})
    assert.deepEqual(describeSize(600, 512), {size: '600 bytes', limit: '512-byte'})
  })

  it('shows values short, escaped and on one line', () => {
    assert.equal(describeValue('1'), '"1"')
    assert.equal(describeValue(-1), '-1')
    assert.equal(describeValue(null), 'null')
    assert.equal(describeValue(undefined), 'undefined')
    assert.equal(describeValue([]), '[]')
    assert.equal(describeValue(10n), '10n')
    assert.equal(describeValue(() => 1), 'a function')
    assert.equal(describeValue('a\nb\u2028é'), String.raw`"a\nb\u2028\u00e9"`)
    assert.equal(describeValue('x'.repeat(100)), `"${'x'.repeat(40)}..."`)
    const circular: Record<string, unknown> = {}
    circular.self = circular
    assert.equal(describeValue(circular), 'an object')
  })
})
