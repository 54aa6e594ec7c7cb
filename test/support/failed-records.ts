import {strict as assert} from 'node:assert'

import {type JobEnvelope, createEnvelope, encodeEnvelope} from '../../src/lib/envelope/index.js'
import {type FailureContext} from '../../src/lib/failure/headers.js'
import {type IncomingMessage, type OutgoingMessage} from '../../src/lib/kafka/index.js'

/** A job that failed, and the records around it, for the tests of retry records and dead letters. */

export const DISPATCHED = new Date('2026-11-26T17:30:00.000Z')
export const FIRST_FAILURE = new Date('2026-11-26T17:30:01.000Z')
export const SECOND_FAILURE = new Date('2026-11-26T17:30:07.000Z')
export const BINARY_KEY = Buffer.from([0x00, 0xff, 0x80, 0x7f, 0xc3, 0x28])

export const envelope: JobEnvelope = createEnvelope({job: 'SendEmail', queue: 'emails', payload: {to: 'ada@example.com'}}, {now: () => DISPATCHED})

/** The job as the worker first reads it from the queue's topic, with a header of the application's. */
export function queueRecord(overrides: Partial<IncomingMessage> = {}): IncomingMessage {
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
export function readBack(record: OutgoingMessage, offset: number): IncomingMessage {
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

export function failure(source: IncomingMessage, error: unknown, now: Date): FailureContext & {maxMessageBytes: number} {
  return {source, error, group: 'kq-workers', worker: 'web-1:4242', now, maxMessageBytes: 1_000_000}
}

export function headersOf(record: OutgoingMessage): Record<string, string> {
  assert.ok(record.headers, 'expected headers')
  return record.headers
}

export class PaymentDeclined extends Error {}
