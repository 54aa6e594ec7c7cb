import {strict as assert} from 'node:assert'

import {formatTraceparent, parseTraceparent, traceHeadersFromEnvironment} from '../../../src/lib/trace/traceparent.js'

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const SPAN = '00f067aa0ba902b7'

describe('traceparent', () => {
  it('reads a version 00 value and writes it back the same', () => {
    const value = `00-${TRACE}-${SPAN}-01`
    assert.deepEqual(parseTraceparent(value), {traceId: TRACE, spanId: SPAN, traceFlags: 1})
    assert.equal(formatTraceparent(parseTraceparent(value)!), value)
  })

  it('ignores what the standard says to ignore: version ff, all-zero ids, upper case, extra parts on version 00', () => {
    for (const value of [
      `ff-${TRACE}-${SPAN}-01`,
      `00-${'0'.repeat(32)}-${SPAN}-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `00-${TRACE.toUpperCase()}-${SPAN}-01`,
      `00-${TRACE}-${SPAN}-01-extra`,
      'not a traceparent',
      undefined,
    ]) {
      assert.equal(parseTraceparent(value), undefined, String(value))
    }
  })

  it('takes a later version with more parts, as the standard asks, and writes it as version 00', () => {
    assert.equal(formatTraceparent(parseTraceparent(`01-${TRACE}-${SPAN}-00-more`)!), `00-${TRACE}-${SPAN}-00`)
  })

  it('takes TRACEPARENT and TRACESTATE from the environment, and nothing for an invalid TRACEPARENT', () => {
    assert.deepEqual(traceHeadersFromEnvironment({TRACEPARENT: `00-${TRACE}-${SPAN}-01`, TRACESTATE: 'vendor=abc'}), {
      traceparent: `00-${TRACE}-${SPAN}-01`,
      tracestate: 'vendor=abc',
    })
    assert.deepEqual(traceHeadersFromEnvironment({TRACEPARENT: 'junk', TRACESTATE: 'vendor=abc'}), {})
    assert.deepEqual(traceHeadersFromEnvironment({}), {})
  })
})
