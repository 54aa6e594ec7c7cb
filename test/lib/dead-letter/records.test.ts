import {strict as assert} from 'node:assert'
import {randomBytes} from 'node:crypto'

import {
  type FailureContext,
  FAILURE_HEADERS,
  MAX_ERROR_MESSAGE_BYTES,
  MAX_ERROR_STACK_BYTES,
  deadLetterRecord,
  describeError,
  retryRecord,
} from '../../../src/lib/dead-letter/records.js'
import {HEADERS, type JobEnvelope, createEnvelope, decodeEnvelope, encodeEnvelope} from '../../../src/lib/envelope/index.js'
import {FatalJobError} from '../../../src/lib/jobs/job.js'
import {type IncomingMessage, type OutgoingMessage} from '../../../src/lib/kafka/index.js'
import {JobTimeoutError} from '../../../src/lib/worker/attempt.js'

const DISPATCHED = new Date('2026-11-26T17:30:00.000Z')
const FIRST_FAILURE = new Date('2026-11-26T17:30:01.000Z')
const SECOND_FAILURE = new Date('2026-11-26T17:30:07.000Z')
const BINARY_KEY = Buffer.from([0x00, 0xff, 0x80, 0x7f, 0xc3, 0x28])

const envelope: JobEnvelope = createEnvelope({job: 'SendEmail', queue: 'emails', payload: {to: 'ada@example.com'}}, {now: () => DISPATCHED})

/** The job as the worker first reads it from the queue's topic, with a header of the application's. */
function queueRecord(overrides: Partial<IncomingMessage> = {}): IncomingMessage {
  const {value, headers} = encodeEnvelope(envelope)
  return {
    topic: 'emails',
    partition: 2,
    offset: 41,
    timestamp: Date.parse('2026-11-26T17:30:00.250Z'),
    key: BINARY_KEY,
    value,
    headers: {...headers, 'trace-id': 'abc-123'},
    ...overrides,
  }
}

/** A record written by retryRecord, as the worker reads it back from the retry topic. */
function readBack(record: OutgoingMessage, offset: number): IncomingMessage {
  return {
    topic: 'emails-retry',
    partition: 0,
    offset,
    timestamp: Date.parse('2026-11-26T17:30:02.000Z'),
    key: record.key as Buffer | null,
    value: Buffer.from(record.value),
    headers: record.headers ?? {},
  }
}

function failure(source: IncomingMessage, error: unknown, now: Date): FailureContext & {maxMessageBytes: number} {
  return {source, error, group: 'kq-workers', worker: 'web-1:4242', now, maxMessageBytes: 1_000_000}
}

function headersOf(record: OutgoingMessage): Record<string, string> {
  assert.ok(record.headers, 'expected headers')
  return record.headers
}

class PaymentDeclined extends Error {}

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
    assert.equal(headersOf(record)[FAILURE_HEADERS.notBefore], '2026-11-26T17:30:06.000Z')
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
    assert.equal(headers[FAILURE_HEADERS.notBefore], '2026-11-26T17:30:12.000Z')
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

describe('deadLetterRecord', () => {
  function deadLetter(source: IncomingMessage, error: unknown, extra: {reason?: 'exhausted' | 'fatal' | 'timeout' | 'malformed'; attempts?: number; envelope?: JobEnvelope} = {}) {
    return deadLetterRecord({...failure(source, error, SECOND_FAILURE), reason: extra.reason ?? 'exhausted', attempts: extra.attempts ?? 3, envelope: extra.envelope})
  }

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
    assert.equal(headers[FAILURE_HEADERS.notBefore], undefined, 'a dead letter is due never')
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
