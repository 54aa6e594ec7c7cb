import {strict as assert} from 'node:assert'

import {checkHeaders, keyFromField, parseHeaderFlags, parseKeyFlag, parsePayload} from '../../../src/lib/dispatch/input.js'
import {ExitCode, UsageError} from '../../../src/lib/errors.js'

function usageError(run: () => unknown, message: string) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof UsageError, String(error))
    assert.equal(error.exitCode, ExitCode.Usage)
    assert.equal(error.message, message)
    return true
  })
}

describe('dispatch input', () => {
  it('names the source of a payload that is not JSON, with the place it broke', () => {
    usageError(
      () => parsePayload('{"data":}', 'payload (from --file job.json)'),
      'payload (from --file job.json) is not valid JSON at line 1, column 9: expected a value (object, array, string, number, true, false or null), found "}"',
    )
  })

  it('accepts any JSON value as payload', () => {
    assert.deepEqual(parsePayload('[1,{"a":null}]', 'payload'), [1, {a: null}])
    assert.equal(parsePayload('"text"', 'payload'), 'text')
  })

  it('reads repeated --header name=value flags, keeping "=" in values', () => {
    assert.deepEqual(parseHeaderFlags(['trace=abc', 'query=a=b', 'empty=']), {trace: 'abc', query: 'a=b', empty: ''})
    assert.deepEqual(parseHeaderFlags(undefined), {})
  })

  it('refuses malformed headers and names reserved for kq', () => {
    usageError(() => parseHeaderFlags(['novalue']), '--header must look like name=value, got "novalue"')
    usageError(() => parseHeaderFlags(['=x']), '--header must look like name=value, got "=x"')
    usageError(
      () => parseHeaderFlags(['kq-job=Evil']),
      'header kq-job is reserved: names starting with "kq-" are kq\'s own; choose another name',
    )
    usageError(
      () => checkHeaders({'KQ-Attempt': '9'}),
      'header KQ-Attempt is reserved: names starting with "kq-" are kq\'s own; choose another name',
    )
  })

  it('takes a bulk line\'s key from a string or number field of its payload', () => {
    assert.equal(keyFromField({userId: 42}, 'userId'), '42')
    assert.equal(keyFromField({userId: 'u-1'}, 'userId'), 'u-1')
    const message = 'payload has no string or number field "userId" to use as the key (--key-field)'
    usageError(() => keyFromField({}, 'userId'), message)
    usageError(() => keyFromField({userId: {id: 1}}, 'userId'), message)
    usageError(() => keyFromField([1], 'userId'), message)
    usageError(() => keyFromField('text', 'length'), 'payload has no string or number field "length" to use as the key (--key-field)')
  })

  it('refuses an empty --key, as an unset shell variable gives it, and keeps any other', () => {
    usageError(() => parseKeyFlag(''), '--key must not be empty: give the value whose jobs must keep their order (a user or order id), or leave --key out')
    assert.equal(parseKeyFlag(' '), ' ')
    assert.equal(parseKeyFlag(undefined), undefined)
  })
})
