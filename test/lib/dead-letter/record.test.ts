import {strict as assert} from 'node:assert'
import {randomBytes} from 'node:crypto'

import {deadLetterRecord, reducedDeadLetter} from '../../../src/lib/dead-letter/record.js'
import {NOT_BEFORE_HEADER} from '../../../src/lib/delay/ladder.js'
import {HEADERS, type JobEnvelope} from '../../../src/lib/envelope/index.js'
import {FAILURE_HEADERS, MAX_ERROR_MESSAGE_BYTES, MAX_ERROR_STACK_BYTES} from '../../../src/lib/failure/headers.js'
import {type IncomingMessage} from '../../../src/lib/kafka/index.js'
import {retryRecord} from '../../../src/lib/retry/record.js'
import {JobTimeoutError} from '../../../src/lib/worker/attempt.js'
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

describe('deadLetterRecord', () => {
  function deadLetter(source: IncomingMessage, error: unknown, extra: {reason?: 'exhausted' | 'fatal' | 'timeout' | 'malformed'; attempts?: number; envelope?: JobEnvelope} = {}) {
    return deadLetterRecord({...failure(source, error, SECOND_FAILURE), reason: extra.reason ?? 'exhausted', attempts: extra.attempts ?? 3, envelope: extra.envelope})
  }

  it('reduces a dead letter too large to write to its key and headers, less the stack, and says how large the value was', () => {
    const source = queueRecord()
    const whole = deadLetter(source, new Error('x'), {envelope})
    const reduced = reducedDeadLetter(whole)
    assert.deepEqual(reduced.key, whole.key)
    assert.equal(Buffer.byteLength(reduced.value), 0)
    const {[FAILURE_HEADERS.errorStack]: stack, ...kept} = whole.headers ?? {}
    assert.ok(stack)
    assert.deepEqual(reduced.headers, {...kept, [FAILURE_HEADERS.valueOmitted]: String(Buffer.byteLength(whole.value))})
  })

  it('keeps the value and key byte for byte', () => {
    const source = queueRecord()
    const record = deadLetter(source, new Error('x'), {envelope})
    assert.ok(Buffer.isBuffer(record.value))
    assert.deepEqual(record.value, source.value)
    assert.deepEqual(record.key, BINARY_KEY)
  })

  it('keeps random bytes that are no job at all, byte for byte', () => {
    for (let size = 0; size < 300; size += 37) {
      const value = randomBytes(size)
      const key = randomBytes(16)
      const record = deadLetter(queueRecord({value, key, headers: {}}), new Error('not JSON'), {reason: 'malformed', attempts: 0})
      assert.deepEqual(record.value, value)
      assert.deepEqual(record.key, key)
    }
  })

  it('writes a record without a value or key as one with no value bytes and no key', () => {
    const record = deadLetter(queueRecord({value: null, key: null, headers: {}}), new Error('empty message'), {reason: 'malformed', attempts: 0})
    assert.equal(record.key, null)
    assert.equal(Buffer.from(record.value).length, 0)
  })

  it('writes every header a dead letter promises', () => {
    const error = new PaymentDeclined('card declined')
    const headers = headersOf(deadLetter(queueRecord(), error, {reason: 'fatal', attempts: 1, envelope}))
    const {[FAILURE_HEADERS.errorStack]: stack, ...rest} = headers
    assert.equal(stack, error.stack)
    assert.deepEqual(rest, {
      [HEADERS.job]: 'SendEmail',
      [HEADERS.jobId]: envelope.id,
      'trace-id': 'abc-123',
      [FAILURE_HEADERS.originalTopic]: 'emails',
      [FAILURE_HEADERS.originalPartition]: '2',
      [FAILURE_HEADERS.originalOffset]: '41',
      [FAILURE_HEADERS.originalTimestamp]: '2026-11-26T17:30:00.250Z',
      [FAILURE_HEADERS.firstFailedAt]: '2026-11-26T17:30:07.000Z',
      [FAILURE_HEADERS.failedAt]: '2026-11-26T17:30:07.000Z',
      [FAILURE_HEADERS.errorClass]: 'PaymentDeclined',
      [FAILURE_HEADERS.errorMessage]: 'card declined',
      [FAILURE_HEADERS.consumerGroup]: 'kq-workers',
      [FAILURE_HEADERS.worker]: 'web-1:4242',
      [FAILURE_HEADERS.attempts]: '1',
      [FAILURE_HEADERS.reason]: 'fatal',
    })
    for (const value of Object.values(headers)) assert.equal(typeof value, 'string')
  })

  it('names the job from the envelope, or from the record’s own headers when there is none', () => {
    const fromEnvelope = headersOf(deadLetter(queueRecord({headers: {}}), new Error('x'), {envelope}))
    assert.equal(fromEnvelope[HEADERS.job], 'SendEmail')
    assert.equal(fromEnvelope[HEADERS.jobId], envelope.id)

    const poison = headersOf(deadLetter(queueRecord({headers: {[HEADERS.job]: 'Gone'}}), new Error('unknown job'), {reason: 'malformed', attempts: 0}))
    assert.equal(poison[HEADERS.job], 'Gone')
    assert.equal(poison[HEADERS.jobId], undefined)
    assert.equal(poison[FAILURE_HEADERS.attempts], '0')

    const bare = headersOf(deadLetter(queueRecord({headers: {}}), new Error('not JSON'), {reason: 'malformed', attempts: 0}))
    assert.equal(bare[HEADERS.job], undefined)
    assert.equal(bare[HEADERS.jobId], undefined)
  })

  it('dead-letters a retried job with its origin and first failure, not the retry topic', () => {
    const retry = retryRecord(envelope, {attempt: 2, dueAt: Date.parse('2026-11-26T17:30:02.000Z')}, failure(queueRecord(), new Error('SMTP timeout'), FIRST_FAILURE))
    const source = readBack(retry, 7)
    const record = deadLetter(source, new JobTimeoutError(30), {reason: 'timeout', attempts: 2, envelope: {...envelope, attempt: 2}})
    const headers = headersOf(record)
    assert.equal(headers[FAILURE_HEADERS.originalTopic], 'emails')
    assert.equal(headers[FAILURE_HEADERS.originalPartition], '2')
    assert.equal(headers[FAILURE_HEADERS.originalOffset], '41')
    assert.equal(headers[FAILURE_HEADERS.originalTimestamp], '2026-11-26T17:30:00.250Z')
    assert.equal(headers[FAILURE_HEADERS.firstFailedAt], '2026-11-26T17:30:01.000Z')
    assert.equal(headers[FAILURE_HEADERS.failedAt], '2026-11-26T17:30:07.000Z')
    assert.equal(headers[FAILURE_HEADERS.errorClass], 'JobTimeoutError')
    assert.equal(headers[FAILURE_HEADERS.errorMessage], 'the job ran longer than its timeout of 30s')
    assert.equal(headers[FAILURE_HEADERS.reason], 'timeout')
    assert.equal(headers[FAILURE_HEADERS.attempts], '2')
    assert.equal(headers[NOT_BEFORE_HEADER], undefined, 'a dead letter is due never')
    assert.equal(headers[HEADERS.attempt], '2')
    assert.equal(headers['trace-id'], 'abc-123')
    // The retry record's bytes as they were: a replay runs attempt 2 again.
    assert.deepEqual(record.value, source.value)
    assert.deepEqual(record.key, BINARY_KEY)
  })

  it('bounds the error message to 1 KB and the stack to 8 KB, whole characters only', () => {
    const error = new Error('é'.repeat(5000))
    error.stack = `Error: ${'é'.repeat(5000)}\n${'    at somewhere (file.js:1:1)\n'.repeat(1000)}`
    const headers = headersOf(deadLetter(queueRecord(), error, {envelope}))
    const message = headers[FAILURE_HEADERS.errorMessage]
    const stack = headers[FAILURE_HEADERS.errorStack]
    assert.ok(Buffer.byteLength(message) <= MAX_ERROR_MESSAGE_BYTES, `message is ${Buffer.byteLength(message)} bytes`)
    assert.ok(Buffer.byteLength(stack) <= MAX_ERROR_STACK_BYTES, `stack is ${Buffer.byteLength(stack)} bytes`)
    assert.ok(Buffer.byteLength(message) > MAX_ERROR_MESSAGE_BYTES - 32)
    assert.ok(Buffer.byteLength(stack) > MAX_ERROR_STACK_BYTES - 32)
    assert.match(message, /^é+… \[truncated]$/)
    assert.ok(!message.includes('\uFFFD'))
    assert.ok(!stack.includes('\uFFFD'))
  })

  it('leaves out the stack of something thrown that has none', () => {
    const headers = headersOf(deadLetter(queueRecord(), 'plain text', {envelope}))
    assert.equal(headers[FAILURE_HEADERS.errorClass], 'string')
    assert.equal(headers[FAILURE_HEADERS.errorMessage], 'plain text')
    assert.equal(headers[FAILURE_HEADERS.errorStack], undefined)
  })
})
