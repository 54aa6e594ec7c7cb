import {strict as assert} from 'node:assert'

import {MAX_DELAY_MS} from '../../../src/lib/delay/ladder.js'
import {DelayError, parseAt, parseDelay, resolveDelay} from '../../../src/lib/delay/parse.js'
import {ExitCode} from '../../../src/lib/errors.js'

const NOW = Date.parse('2026-06-01T12:00:00.000Z')
const FLAGS = {delay: '--delay', at: '--at'}

function refusal(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    assert.ok(error instanceof DelayError, `not a DelayError: ${error}`)
    assert.equal(error.exitCode, ExitCode.Usage)
    assert.ok(!error.message.includes('\n'), 'one line')
    return error.message
  }

  assert.fail('no error')
}

describe('delay parsing', () => {
  it('reads a number as seconds, as Laravel does, in code and on the command line', () => {
    assert.equal(parseDelay(90), 90_000)
    assert.equal(parseDelay(1.5), 1500)
    assert.equal(parseDelay('90'), 90_000)
    assert.equal(parseDelay('1.5'), 1500)
    assert.equal(parseDelay(' 0 '), 0)
    assert.equal(parseDelay(0.0004), 0)
  })

  it('reads durations with a unit, and several units from largest to smallest', () => {
    assert.deepEqual(
      ['500ms', '30s', '10m', '2h', '1d', '1h30m', '1m30s', '1d12h', '1.5h', '2s500ms'].map((text) => parseDelay(text)),
      [500, 30_000, 600_000, 7_200_000, 86_400_000, 5_400_000, 90_000, 129_600_000, 5_400_000, 2500],
    )
  })

  it('accepts the maximum delay and refuses anything longer, naming the maximum', () => {
    assert.equal(parseDelay('90d'), MAX_DELAY_MS)
    assert.equal(
      refusal(() => parseDelay('91d', '--delay')),
      '--delay "91d" is longer than the maximum of 90 days (90d): dispatch the job later, closer to when it is due',
    )
    assert.match(refusal(() => parseDelay(90 * 86_400 + 1)), /^delay 7776001 is longer than the maximum of 90 days/)
  })

  it('refuses negative delays', () => {
    assert.equal(refusal(() => parseDelay(-5)), 'delay must not be negative, got -5: give 0 or more seconds')
    assert.equal(refusal(() => parseDelay('-5', '--delay')), '--delay must not be negative, got "-5": give 0 or more seconds')
    assert.match(refusal(() => parseDelay('-10m')), /^delay must not be negative, got "-10m"/)
  })

  it('refuses text that is not a duration, with examples of one', () => {
    for (const text of ['', 'soon', '10 m', '10x', '1.2.3', 'm', '10M', '1e3']) {
      assert.equal(
        refusal(() => parseDelay(text, '--delay')),
        `--delay must be seconds or a duration such as 90, 1.5, 500ms, 30s, 10m, 2h, 1d or 1h30m, got ${JSON.stringify(text)}`,
      )
    }

    assert.equal(refusal(() => parseDelay(Number.NaN)), 'delay must be a number of seconds, got NaN')
  })

  it('refuses units out of order or repeated', () => {
    for (const text of ['30m1h', '10m10m']) {
      assert.match(refusal(() => parseDelay(text)), /^delay must give each unit once, from largest to smallest \(as in 1h30m\)/)
    }
  })
})

describe('due time parsing', () => {
  it('reads ISO-8601 times in UTC or with an offset', () => {
    assert.equal(parseAt('2026-12-01T09:00:00Z'), Date.parse('2026-12-01T09:00:00Z'))
    assert.equal(parseAt('2026-12-01T10:00:00+01:00'), Date.parse('2026-12-01T09:00:00Z'))
    assert.equal(parseAt('2026-12-01T04:00-0500'), Date.parse('2026-12-01T09:00:00Z'))
    assert.equal(parseAt('2026-12-01 09:00:00.250z'), Date.parse('2026-12-01T09:00:00.250Z'))
    assert.equal(parseAt('2026-12-01T09:00:00.123456Z'), Date.parse('2026-12-01T09:00:00.123Z'))
  })

  it('takes a Date as it is', () => {
    assert.equal(parseAt(new Date(NOW)), NOW)
    assert.equal(refusal(() => parseAt(new Date('nope'))), 'at is an invalid Date')
  })

  it('refuses a time without a timezone, which would mean another instant on another server', () => {
    assert.equal(
      refusal(() => parseAt('2026-12-01T09:00:00', '--at')),
      '--at "2026-12-01T09:00:00" has no timezone: end it with Z (UTC) or an offset such as +01:00',
    )
  })

  it('refuses text that is not a date and time, and dates that do not exist', () => {
    for (const text of ['tomorrow', '2026-12-01', '1764579600', '2026-12-01T9:00Z']) {
      assert.match(refusal(() => parseAt(text, '--at')), /^--at must be an ISO-8601 date and time such as 2026-12-01T09:00:00Z/)
    }

    for (const text of ['2026-02-30T09:00:00Z', '2026-13-01T09:00:00Z', '2026-12-01T24:00:00Z']) {
      assert.equal(refusal(() => parseAt(text)), `at ${JSON.stringify(text)} is not a real date and time`)
    }
  })
})

describe('resolving a delay against the clock', () => {
  it('is no delay when neither is given', () => {
    assert.equal(resolveDelay({}, NOW), 0)
  })

  it('turns a due time into the delay from now', () => {
    assert.equal(resolveDelay({at: '2026-06-01T12:10:00Z'}, NOW), 600_000)
    assert.equal(resolveDelay({at: new Date(NOW + 1500)}, NOW), 1500)
  })

  it('treats a due time within a second in the past as now', () => {
    assert.equal(resolveDelay({at: new Date(NOW - 1000)}, NOW), 0)
    assert.equal(resolveDelay({at: new Date(NOW)}, NOW), 0)
  })

  it('refuses a due time further in the past, saying what now is', () => {
    assert.equal(
      refusal(() => resolveDelay({at: '2026-06-01T11:59:58Z'}, NOW, FLAGS)),
      '--at 2026-06-01T11:59:58.000Z is in the past (now is 2026-06-01T12:00:00.000Z): give a later time, or none to dispatch now',
    )
  })

  it('refuses a due time more than the maximum away', () => {
    assert.equal(resolveDelay({at: new Date(NOW + MAX_DELAY_MS)}, NOW), MAX_DELAY_MS)
    assert.match(refusal(() => resolveDelay({at: new Date(NOW + MAX_DELAY_MS + 1)}, NOW, FLAGS)), /^--at 2026-08-30T12:00:00\.001Z is more than 90 days \(90d\) away/)
  })

  it('refuses a delay and a due time together', () => {
    assert.equal(refusal(() => resolveDelay({delay: 10, at: new Date(NOW)}, NOW, FLAGS)), 'give either --delay or --at, not both')
  })
})
