import {strict as assert} from 'node:assert'

import {describeError} from '../../../src/lib/failure/headers.js'
import {FatalJobError} from '../../../src/lib/jobs/job.js'
import {JobTimeoutError} from '../../../src/lib/worker/attempt.js'
import {PaymentDeclined} from '../../support/failed-records.js'

describe('describeError', () => {
  it('gives the name, message and stack of an Error', () => {
    const error = new Error('boom')
    assert.deepEqual(describeError(error), {className: 'Error', message: 'boom', stack: error.stack})
    assert.equal(describeError(new RangeError('out')).className, 'RangeError')
  })

  it('names a subclass by the name it sets', () => {
    assert.equal(describeError(new FatalJobError('no')).className, 'FatalJobError')
    assert.equal(describeError(new JobTimeoutError(5)).className, 'JobTimeoutError')

    class Renamed extends Error {
      override name = 'ValidationError'
    }

    assert.equal(describeError(new Renamed('bad')).className, 'ValidationError')
  })

  it('names a subclass that sets no name by its class, not by the built-in it extends', () => {
    class CardExpired extends TypeError {}
    class GatewayDown extends PaymentDeclined {}
    assert.equal(describeError(new PaymentDeclined('declined')).className, 'PaymentDeclined')
    assert.equal(describeError(new CardExpired('expired')).className, 'CardExpired')
    assert.equal(describeError(new GatewayDown('down')).className, 'GatewayDown')
    assert.equal(describeError(new PaymentDeclined('declined')).message, 'declined')
  })

  it('describes a thrown value that is not an Error by its type', () => {
    assert.deepEqual(describeError('text'), {className: 'string', message: 'text'})
    assert.deepEqual(describeError(undefined), {className: 'undefined', message: 'undefined'})
    assert.deepEqual(describeError(null), {className: 'object', message: 'null'})
    assert.deepEqual(describeError(42), {className: 'number', message: '42'})
    assert.deepEqual(describeError({toString: () => 'custom'}), {className: 'object', message: 'custom'})
  })

  it('describes a thrown value that cannot be made a string, without throwing', () => {
    const noPrototype = Object.create(null) as object
    const hostile = {
      toString() {
        throw new Error('no')
      },
    }
    assert.deepEqual(describeError(noPrototype), {className: 'object', message: '[object Object]'})
    assert.deepEqual(describeError(hostile), {className: 'object', message: '[object Object]'})
  })
})
