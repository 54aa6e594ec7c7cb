import {strict as assert} from 'node:assert'

import {truncateUtf8} from '../../../src/lib/text/bounded.js'

const MARKER = '… [truncated]'

/** True when `cut` is a whole-character prefix of `text` followed by the marker. */
function isMarkedPrefix(cut: string, text: string): boolean {
  return cut.endsWith(MARKER) && text.startsWith(cut.slice(0, -MARKER.length))
}

describe('truncateUtf8', () => {
  it('leaves text that fits alone', () => {
    assert.equal(truncateUtf8('', 10), '')
    assert.equal(truncateUtf8('short', 10), 'short')
    assert.equal(truncateUtf8('exactly 16 bytes', 16), 'exactly 16 bytes')
    // Six characters, but 18 bytes: it fits in 18, not in 17.
    assert.equal(truncateUtf8('日本語のテキ', 18), '日本語のテキ')
    assert.notEqual(truncateUtf8('日本語のテキ', 17), '日本語のテキ')
  })

  it('cuts longer text to the limit and says it was cut', () => {
    const text = 'x'.repeat(100)
    const cut = truncateUtf8(text, 40)
    assert.equal(Buffer.byteLength(cut), 40)
    assert.equal(cut, `${'x'.repeat(40 - Buffer.byteLength(MARKER))}${MARKER}`)
  })

  it('never goes over the limit, for any limit and any text', () => {
    const texts = ['plain ascii text that goes on and on', 'café crème brûlée', '日本語のテキストです', '😀🎉👍🏽👨‍👩‍👧', 'a😀b中c\u00e9d']
    for (const text of texts) {
      for (let limit = 0; limit <= Buffer.byteLength(text) + 2; limit++) {
        const cut = truncateUtf8(text, limit)
        assert.ok(Buffer.byteLength(cut) <= limit, `${JSON.stringify(text)} cut to ${limit} is ${Buffer.byteLength(cut)} bytes: ${JSON.stringify(cut)}`)
      }
    }
  })

  it('never splits a multi-byte character, for any limit', () => {
    const texts = ['日本語のテキストです'.repeat(3), '😀🎉🚀'.repeat(5), 'aé中😀'.repeat(5)]
    for (const text of texts) {
      for (let limit = MARKER.length + 3; limit < Buffer.byteLength(text); limit++) {
        const cut = truncateUtf8(text, limit)
        assert.ok(!cut.includes('\uFFFD'), `cut to ${limit}: ${JSON.stringify(cut)}`)
        assert.ok(isMarkedPrefix(cut, text), `cut to ${limit} is not a prefix of the text: ${JSON.stringify(cut)}`)
        // Round-trips through bytes: no lone surrogate half of an emoji.
        assert.equal(Buffer.from(cut).toString('utf8'), cut)
      }
    }
  })

  it('keeps as much of the text as fits', () => {
    // 3 bytes a character: with 20 bytes for the text, 6 characters fit, and 2 bytes go unused.
    const budget = 20
    const cut = truncateUtf8('中'.repeat(50), budget + Buffer.byteLength(MARKER))
    assert.equal(cut, `${'中'.repeat(6)}${MARKER}`)
  })

  it('keeps a character that is already U+FFFD in the text when it fits whole', () => {
    const text = `ab\uFFFD${'c'.repeat(50)}`
    const cut = truncateUtf8(text, 5 + Buffer.byteLength(MARKER))
    assert.equal(cut, `ab\uFFFD${MARKER}`)
  })

  it('stays within a limit smaller than its own marker', () => {
    assert.equal(truncateUtf8('a long error message', 0), '')
    const cut = truncateUtf8('a long error message', 5)
    assert.ok(Buffer.byteLength(cut) <= 5, JSON.stringify(cut))
    assert.ok('a long error message'.startsWith(cut.replace(/…$/, '')))
  })
})
