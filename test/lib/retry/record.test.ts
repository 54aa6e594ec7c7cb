import {strict as assert} from 'node:assert'

import {NOT_BEFORE_HEADER} from '../../../src/lib/delay/ladder.js'
import {HEADERS, decodeEnvelope} from '../../../src/lib/envelope/index.js'
import {FAILURE_HEADERS} from '../../../src/lib/failure/headers.js'
import {retryRecord} from '../../../src/lib/retry/record.js'
import {
  BINARY_KEY,
  FIRST_FAILURE,
  PaymentDeclined,
  SECOND_FAILURE,
  envelope,
  failure,
  headersOf,
  queueRecord,
  readBack,
} from '../../support/failed-records.js'

describe('retryRecord', () => {
  it('keeps the key, binary ones byte for byte, so the retry lands on the same partition', () => {
    const record = retryRecord(envelope, {attempt: 2, dueAt: 0}, failure(queueRecord(), new Error('x'), FIRST_FAILURE))
    assert.ok(Buffer.isBuffer(record.key))
    assert.deepEqual(record.key, BINARY_KEY)

    const keyless = retryRecord(envelope, {attempt: 2, dueAt: 0}, failure(queueRecord({key: null}), new Error('x'), FIRST_FAILURE))
    assert.equal(keyless.key, null)
  })

  it('writes the next attempt into the value and the kq-attempt header, and nothing else of the job changes', () => {
    const record = retryRecord(envelope, {attempt: 2, dueAt: 0}, failure(queueRecord(), new Error('x'), FIRST_FAILURE))
    const decoded = decodeEnvelope(Buffer.from(record.value))
    assert.deepEqual(decoded, {...envelope, attempt: 2})
    const headers = headersOf(record)
    assert.equal(headers[HEADERS.attempt], '2')
    assert.equal(headers[HEADERS.job], 'SendEmail')
    assert.equal(headers[HEADERS.jobId], envelope.id)
  })

  it('says when the next attempt is due, as ISO-8601', () => {
    const dueAt = Date.parse('2026-11-26T17:30:06.000Z')
    const record = retryRecord(envelope, {attempt: 2, dueAt}, failure(queueRecord(), new Error('x'), FIRST_FAILURE))
    assert.equal(headersOf(record)[NOT_BEFORE_HEADER], '2026-11-26T17:30:06.000Z')
  })

  it('records where a first failure started, when, how and where it failed', () => {
    const error = new PaymentDeclined('card declined')
    const record = retryRecord(envelope, {attempt: 2, dueAt: 0}, failure(queueRecord(), error, FIRST_FAILURE))
    const headers = headersOf(record)
    assert.equal(headers[FAILURE_HEADERS.originalTopic], 'emails')
    assert.equal(headers[FAILURE_HEADERS.originalPartition], '2')
    assert.equal(headers[FAILURE_HEADERS.originalOffset], '41')
    assert.equal(headers[FAILURE_HEADERS.originalTimestamp], '2026-11-26T17:30:00.250Z')
    assert.equal(headers[FAILURE_HEADERS.firstFailedAt], '2026-11-26T17:30:01.000Z')
    assert.equal(headers[FAILURE_HEADERS.failedAt], '2026-11-26T17:30:01.000Z')
    assert.equal(headers[FAILURE_HEADERS.errorClass], 'PaymentDeclined')
    assert.equal(headers[FAILURE_HEADERS.errorMessage], 'card declined')
    assert.equal(headers[FAILURE_HEADERS.errorStack], error.stack)
    assert.equal(headers[FAILURE_HEADERS.consumerGroup], 'kq-workers')
    assert.equal(headers[FAILURE_HEADERS.worker], 'web-1:4242')
  })

  it('carries the application’s own headers over', () => {
    const record = retryRecord(envelope, {attempt: 2, dueAt: 0}, failure(queueRecord(), new Error('x'), FIRST_FAILURE))
    assert.equal(headersOf(record)['trace-id'], 'abc-123')
  })

  it('keeps the origin and first failure time on a later hop, and replaces the error headers', () => {
    const first = retryRecord(envelope, {attempt: 2, dueAt: Date.parse('2026-11-26T17:30:02.000Z')}, failure(queueRecord(), new Error('SMTP timeout'), FIRST_FAILURE))
    const second = retryRecord(
      {...envelope, attempt: 2},
      {attempt: 3, dueAt: Date.parse('2026-11-26T17:30:12.000Z')},
      failure(readBack(first, 7), new TypeError('socket closed'), SECOND_FAILURE),
    )

    const headers = headersOf(second)
    assert.equal(headers[FAILURE_HEADERS.originalTopic], 'emails')
    assert.equal(headers[FAILURE_HEADERS.originalPartition], '2')
    assert.equal(headers[FAILURE_HEADERS.originalOffset], '41')
    assert.equal(headers[FAILURE_HEADERS.originalTimestamp], '2026-11-26T17:30:00.250Z')
    assert.equal(headers[FAILURE_HEADERS.firstFailedAt], '2026-11-26T17:30:01.000Z')
    assert.equal(headers[FAILURE_HEADERS.failedAt], '2026-11-26T17:30:07.000Z')
    assert.equal(headers[FAILURE_HEADERS.errorClass], 'TypeError')
    assert.equal(headers[FAILURE_HEADERS.errorMessage], 'socket closed')
    assert.match(headers[FAILURE_HEADERS.errorStack], /^TypeError: socket closed/)
    assert.equal(headers[NOT_BEFORE_HEADER], '2026-11-26T17:30:12.000Z')
    assert.equal(headers[HEADERS.attempt], '3')
    assert.equal(decodeEnvelope(Buffer.from(second.value)).attempt, 3)
    assert.deepEqual(second.key, BINARY_KEY)
    assert.equal(headers['trace-id'], 'abc-123')
  })

  it('carries one set of headers however many hops a job makes, never an old error', () => {
    let record = retryRecord(envelope, {attempt: 2, dueAt: 0}, failure(queueRecord(), new Error('first'), FIRST_FAILURE))
    const names = Object.keys(headersOf(record)).sort()
    for (let attempt = 3; attempt <= 6; attempt++) {
      // A thrown string has no stack: the stack of an earlier failure must not stay behind.
      const error = attempt % 2 === 0 ? new Error(`failure ${attempt}`) : `failure ${attempt}`
      record = retryRecord({...envelope, attempt: attempt - 1}, {attempt, dueAt: 0}, failure(readBack(record, attempt), error, SECOND_FAILURE))
      const headers = headersOf(record)
      assert.equal(headers[FAILURE_HEADERS.errorMessage], `failure ${attempt}`)
      assert.equal(headers[FAILURE_HEADERS.errorStack] === undefined, typeof error === 'string')
      assert.ok(Object.keys(headers).length <= names.length)
      for (const [name, value] of Object.entries(headers)) {
        assert.ok(!value.includes('first'), `${name} still says "${value}"`)
      }
    }

    assert.deepEqual(Object.keys(headersOf(record)).sort(), names)
  })

  it('does not carry dead-letter headers of its source into a retry', () => {
    const source = queueRecord({headers: {...queueRecord().headers, [FAILURE_HEADERS.attempts]: '3', [FAILURE_HEADERS.reason]: 'exhausted'}})
    const headers = headersOf(retryRecord(envelope, {attempt: 2, dueAt: 0}, failure(source, new Error('x'), FIRST_FAILURE)))
    assert.equal(headers[FAILURE_HEADERS.attempts], undefined)
    assert.equal(headers[FAILURE_HEADERS.reason], undefined)
  })

  it('refuses a job that grew past the message size limit', () => {
    assert.throws(
      () => retryRecord(envelope, {attempt: 2, dueAt: 0}, {...failure(queueRecord(), new Error('x'), FIRST_FAILURE), maxMessageBytes: 50}),
      /more than the .* limit/,
    )
  })
})
