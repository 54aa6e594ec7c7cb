import {strict as assert} from 'node:assert'

import {deadLetterRecord, reducedDeadLetter} from '../../../src/lib/dead-letter/record.js'
import {type DeadLetter, REPLAY_HEADERS, deadLetterOf, detailOf, summaryOf} from '../../../src/lib/dead-letter/letters.js'
import {DEFAULT_MAX_REPLAYS, planReplay} from '../../../src/lib/dead-letter/replay.js'
import {createEnvelope, decodeEnvelope, encodeEnvelope} from '../../../src/lib/envelope/index.js'
import {type IncomingMessage} from '../../../src/lib/kafka/index.js'

const FAILED = new Date('2026-11-26T17:30:07.000Z')
const envelope = createEnvelope({job: 'SendEmail', queue: 'emails', payload: {to: 'ada@example.com'}, maxTries: 3})

/** A dead letter as the worker writes it and the dlt commands read it back. */
function deadLetter(options: {attempt?: number; headers?: Record<string, string>; value?: Buffer; envelope?: boolean; reduced?: boolean} = {}): DeadLetter {
  const encoded = encodeEnvelope({...envelope, attempt: options.attempt ?? 3})
  const source: IncomingMessage = {
    topic: 'emails-retry',
    partition: 1,
    offset: 7,
    timestamp: FAILED.getTime() - 1000,
    key: Buffer.from('user-42'),
    value: options.value ?? encoded.value,
    headers: {...(options.value === undefined && encoded.headers), 'trace-id': 'abc-123', 'kq-original-topic': 'emails', 'kq-original-offset': '41', ...options.headers},
  }
  const whole = deadLetterRecord({
    source,
    error: new Error('SMTP timeout'),
    group: 'kq-workers',
    worker: 'host:1',
    now: FAILED,
    reason: options.envelope === false ? 'malformed' : 'exhausted',
    attempts: 3,
    ...(options.envelope !== false && {envelope}),
  })
  const record = options.reduced ? reducedDeadLetter(whole) : whole
  const message: IncomingMessage = {
    topic: 'emails-dlt',
    partition: 1,
    offset: 12,
    timestamp: FAILED.getTime(),
    key: record.key as Buffer,
    value: Buffer.from(record.value),
    headers: record.headers ?? {},
  }
  return deadLetterOf(message, false)
}

describe('dead-letter replay records', () => {
  it('reads a dead letter’s job, failure and origin from its headers', () => {
    const letter = deadLetter()
    assert.equal(letter.id, envelope.id)
    assert.equal(letter.job, 'SendEmail')
    assert.equal(letter.reason, 'exhausted')
    assert.equal(letter.errorMessage, 'SMTP timeout')
    assert.equal(letter.attempts, 3)
    assert.equal(letter.failedAt, FAILED.toISOString())
    assert.deepEqual(letter.original, {topic: 'emails', partition: 1, offset: 41})
    assert.equal(letter.replayCount, 0)
    assert.deepEqual(summaryOf(letter).deadLetter, {topic: 'emails-dlt', partition: 1, offset: 12})
    assert.deepEqual(detailOf(letter).payload, {to: 'ada@example.com'})
    assert.match(detailOf(letter).error.stack ?? '', /^Error: SMTP timeout\n/)
  })

  it('replays the job as dispatched: same key, id and payload, attempt 1, the application’s headers, and its lineage', () => {
    const plan = planReplay(deadLetter())
    assert.ok(plan.replayable)
    assert.equal(plan.replayCount, 1)
    assert.deepEqual(plan.record.key, Buffer.from('user-42'))
    assert.deepEqual(decodeEnvelope(plan.record.value as Buffer), {...envelope, attempt: 1})
    assert.deepEqual(plan.record.headers, {
      'trace-id': 'abc-123',
      'kq-job': 'SendEmail',
      'kq-job-id': envelope.id,
      [REPLAY_HEADERS.replayedFrom]: 'emails-dlt:1:12',
      [REPLAY_HEADERS.replayCount]: '1',
    })
  })

  it('counts replays on from the dead letter’s own count', () => {
    const plan = planReplay(deadLetter({headers: {[REPLAY_HEADERS.replayCount]: '2', [REPLAY_HEADERS.replayedFrom]: 'emails-dlt:1:3'}}))
    assert.ok(plan.replayable)
    assert.equal(plan.record.headers?.[REPLAY_HEADERS.replayCount], '3')
    assert.equal(plan.record.headers?.[REPLAY_HEADERS.replayedFrom], 'emails-dlt:1:12')
  })

  it('refuses a job replayed --max-replays times already, saying how to override', () => {
    const letter = deadLetter({headers: {[REPLAY_HEADERS.replayCount]: String(DEFAULT_MAX_REPLAYS)}})
    assert.deepEqual(planReplay(letter), {
      replayable: false,
      problem: 'max-replays',
      message: `dead letter ${envelope.id} was replayed 3 times already (--max-replays 3): fix what fails, then pass --max-replays 4 to replay it again, or purge it`,
    })
    assert.equal(planReplay(letter, {maxReplays: 4}).replayable, true)
  })

  it('refuses a message that is not a kq job, pointing at purge', () => {
    const letter = deadLetter({value: Buffer.from('not json'), envelope: false})
    assert.equal(letter.id, '1:12')
    const plan = planReplay(letter)
    assert.equal(plan.replayable, false)
    assert.ok(!plan.replayable && plan.problem === 'not-a-job')
    assert.match(plan.message, /^dead letter 1:12 is not a kq job \(.+\), so it cannot be replayed: remove it with `kq dlt:purge --id 1:12`$/)
    assert.equal(detailOf(letter).value, 'not json')
    assert.equal('payload' in detailOf(letter), false)
  })

  it('refuses a dead letter written without its value, saying where the record may still be', () => {
    const letter = deadLetter({value: Buffer.alloc(1_048_000, 'x'), envelope: false, reduced: true})
    const plan = planReplay(letter)
    assert.deepEqual(plan, {
      replayable: false,
      problem: 'not-a-job',
      message:
        'dead letter 1:12 was written without its value (1048000 bytes, too large for the dead-letter topic), so it cannot be replayed: ' +
        'the record may still be at emails[1]@41; remove the letter with `kq dlt:purge --id 1:12`',
    })
  })
})
