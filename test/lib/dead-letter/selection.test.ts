import {strict as assert} from 'node:assert'

import {type DeadLetter} from '../../../src/lib/dead-letter/letters.js'
import {hasSelector, matchesId, parseSince, selectDeadLetters} from '../../../src/lib/dead-letter/selection.js'
import {UsageError} from '../../../src/lib/errors.js'

const NOW = new Date('2026-11-26T12:00:00.000Z')

function letter(offset: number, fields: Partial<DeadLetter> = {}): DeadLetter {
  const jobId = `01a2198a-0000-7000-8000-${String(offset).padStart(12, '0')}`
  return {
    topic: 'orders-dlt',
    partition: 0,
    offset,
    id: jobId,
    jobId,
    job: 'SendEmail',
    reason: 'exhausted',
    errorClass: 'Error',
    errorMessage: 'boom',
    errorStack: null,
    attempts: 3,
    failedAt: new Date(NOW.getTime() - (10 - offset) * 3_600_000).toISOString(),
    original: {topic: 'orders', partition: 0, offset},
    replayCount: 0,
    handled: false,
    key: null,
    value: null,
    headers: {},
    ...fields,
  }
}

const letters = [
  letter(0),
  letter(1, {job: 'ChargeCard', reason: 'fatal'}),
  letter(2, {reason: 'timeout'}),
  letter(3, {id: '0:3', jobId: null, job: null, reason: 'malformed'}),
  letter(4, {job: 'ChargeCard'}),
]

const offsetsOf = (picked: DeadLetter[]) => picked.map((each) => each.offset)

describe('dead-letter selection', () => {
  it('takes everything without a selector', () => {
    assert.equal(hasSelector({}), false)
    assert.deepEqual(offsetsOf(selectDeadLetters(letters, {}, 'orders-dlt')), [0, 1, 2, 3, 4])
  })

  it('selects by job, by reason, by time and by count, all of them together', () => {
    assert.deepEqual(offsetsOf(selectDeadLetters(letters, {job: 'ChargeCard'}, 'orders-dlt')), [1, 4])
    assert.deepEqual(offsetsOf(selectDeadLetters(letters, {reason: 'timeout'}, 'orders-dlt')), [2])
    assert.deepEqual(offsetsOf(selectDeadLetters(letters, {since: parseSince('7h', NOW)}, 'orders-dlt')), [3, 4])
    assert.deepEqual(offsetsOf(selectDeadLetters(letters, {limit: 2}, 'orders-dlt')), [0, 1])
    assert.deepEqual(offsetsOf(selectDeadLetters(letters, {job: 'SendEmail', since: parseSince('9h', NOW), limit: 1}, 'orders-dlt')), [2])
  })

  it('selects by text in the error, the job or the id, ignoring case', () => {
    const mixed = [letter(0, {errorMessage: 'SMTP refused'}), letter(1, {errorStack: 'at Mailer.send (mailer.ts:3)'}), letter(2, {job: 'ChargeCard'})]
    assert.equal(hasSelector({text: 'smtp'}), true)
    assert.deepEqual(offsetsOf(selectDeadLetters(mixed, {text: 'smtp'}, 'orders-dlt')), [0])
    assert.deepEqual(offsetsOf(selectDeadLetters(mixed, {text: 'MAILER'}, 'orders-dlt')), [1])
    assert.deepEqual(offsetsOf(selectDeadLetters(mixed, {text: 'chargecard'}, 'orders-dlt')), [2])
    assert.deepEqual(offsetsOf(selectDeadLetters(mixed, {text: '000000000001'}, 'orders-dlt')), [1])
  })

  it('selects by job id, by partition:offset and by topic:partition:offset', () => {
    const picked = selectDeadLetters(letters, {ids: [letters[2].id, '0:3', 'orders-dlt:0:4']}, 'orders-dlt')
    assert.deepEqual(offsetsOf(picked), [2, 3, 4])
    assert.equal(matchesId(letters[0], '0:0'), true)
    assert.equal(matchesId(letters[0], 'other-dlt:0:0'), false)
  })

  it('refuses an id that names no pending dead letter, pointing at kq dlt:list', () => {
    assert.throws(
      () => selectDeadLetters(letters, {ids: ['0:3', 'nope']}, 'orders-dlt'),
      (error: unknown) =>
        error instanceof UsageError &&
        error.message === 'no pending dead letter has id nope in orders-dlt: see the pending ones with `kq dlt:list` (--all for handled ones too)',
    )
  })

  it('suggests the job name a typo meant', () => {
    assert.throws(() => selectDeadLetters(letters, {job: 'ChargeCrad'}, 'orders-dlt'), /no pending dead letter of job ChargeCrad in orders-dlt: did you mean ChargeCard\?/)
    assert.deepEqual(selectDeadLetters(letters, {job: 'Unrelated'}, 'orders-dlt'), [])
  })

  it('reads --since as a duration back from now or as a date', () => {
    assert.equal(parseSince('90s', NOW).toISOString(), '2026-11-26T11:58:30.000Z')
    assert.equal(parseSince('15m', NOW).toISOString(), '2026-11-26T11:45:00.000Z')
    assert.equal(parseSince('2d', NOW).toISOString(), '2026-11-24T12:00:00.000Z')
    assert.equal(parseSince('1w', NOW).toISOString(), '2026-11-19T12:00:00.000Z')
    assert.equal(parseSince('2026-11-20T08:00:00Z', NOW).toISOString(), '2026-11-20T08:00:00.000Z')
    assert.throws(() => parseSince('yesterday', NOW), /--since must be a duration such as 30m, 2h or 7d, or a date such as 2026-11-26, got "yesterday"/)
  })
})
