import {strict as assert} from 'node:assert'
import {stripVTControlCharacters} from 'node:util'

import {Chalk} from 'chalk'

import {humanRenderer, jsonRenderer, metricsLine} from '../../../src/lib/output/worker.js'
import {type JobRef, type WorkerEvents} from '../../../src/lib/worker/events.js'

// Local time, as the lines show it: the same on every machine's time zone.
const NOW = new Date(2026, 10, 26, 17, 30, 1)
const STAMP = '2026-11-26 17:30:01'
const WIDTH = 80
const PLAIN = new Chalk({level: 0})
const COLOUR = new Chalk({level: 1})
const GREEN = '\u001B[32m'
const YELLOW = '\u001B[33m'
const RED = '\u001B[31m'

const ref: JobRef = {
  job: 'ExampleKafkaJob',
  id: '019a8f3c-2b1e-7c3d-9e4f-5a6b7c8d9e0f',
  attempt: 1,
  maxTries: 3,
  queue: 'default',
  topic: 'default',
  partition: 2,
  offset: 41,
}

/** One payload for every event a worker emits: the compiler says when an event is missing. */
const samples: {[E in keyof WorkerEvents]: WorkerEvents[E]} = {
  started: {queues: ['default', 'emails'], topics: ['default', 'default-retry', 'emails', 'emails-retry'], group: 'kq-workers', concurrency: 4, worker: 'web-1:4242'},
  assigned: {partitions: [{topic: 'default', partition: 1}, {topic: 'default-retry', partition: 0}, {topic: 'default', partition: 0}]},
  'job:running': ref,
  'job:done': {...ref, durationMs: 12.5},
  'job:failed': {...ref, durationMs: 3.08, error: {name: 'Error', message: 'SMTP timeout'}, action: 'retry', delayMs: 5000},
  'job:released': {...ref, delayMs: 1500, reason: 'rateLimited'},
  'job:skipped': {...ref, uniqueId: 'invoice-7'},
  'job:log': {job: 'ExampleKafkaJob', id: ref.id, attempt: 1, message: 'processed x', late: false},
  poison: {topic: 'default', partition: 0, queue: 'default', offset: 7, reason: 'malformed', error: {name: 'EnvelopeError', message: 'job message is not JSON'}},
  warning: {message: 'failed() of SendEmail threw: nope'},
  paused: {queue: 'emails', topic: 'emails', at: '2026-11-26T17:30:00.000Z', by: 'ops-1:77'},
  continued: {queue: 'emails', topic: 'emails', at: '2026-11-26T17:31:00.000Z', by: 'ops-1:78'},
  restart: {at: '2026-11-26T17:32:00.000Z', by: 'ops-1:79'},
  'broker:lost': {error: {name: 'KafkaJSConnectionError', message: 'Connection refused'}},
  'broker:restored': {},
  stopping: {reason: 'signal'},
  stopped: {processed: 5, failed: 2, deadLettered: 1, skipped: 0, released: 0, seconds: 3.5, reason: 'signal', exitCode: 0},
}

const events = Object.keys(samples) as Array<keyof WorkerEvents>

function human(options: {verbose?: boolean; width?: number; styles?: InstanceType<typeof Chalk>; once?: boolean} = {}) {
  return humanRenderer({width: WIDTH, styles: PLAIN, now: () => NOW, ...options})
}

function render<E extends keyof WorkerEvents>(event: E, payload: WorkerEvents[E], renderer = human()): string {
  const text = renderer(event, payload)
  assert.equal(typeof text, 'string', `${event} rendered nothing`)
  return text as string
}

/** `  <time> <name> ....... <status>`, exactly `width` characters. */
function statusLine(name: string, status: string, width = WIDTH): string {
  const left = `  ${STAMP} ${name} `
  return `${left}${'.'.repeat(width - left.length - status.length - 1)} ${status}`
}

describe('humanRenderer', () => {
  it('shows a running job as a Laravel line, the status at the right edge', () => {
    const line = render('job:running', ref)
    assert.equal(line, statusLine('ExampleKafkaJob', 'RUNNING'))
    assert.equal(line.length, WIDTH)
    assert.match(line, /^ {2}2026-11-26 17:30:01 ExampleKafkaJob \.{3,} RUNNING$/)
  })

  it('shows a finished job with its duration', () => {
    const line = render('job:done', {...ref, durationMs: 12.5})
    assert.equal(line, statusLine('ExampleKafkaJob', '12.50ms DONE'))
    assert.equal(line.length, WIDTH)
  })

  it('names the attempt on a retry', () => {
    assert.equal(render('job:running', {...ref, attempt: 2}), statusLine('ExampleKafkaJob (attempt 2/3)', 'RUNNING'))
    assert.equal(render('job:done', {...ref, attempt: 3, durationMs: 1}), statusLine('ExampleKafkaJob (attempt 3/3)', '1.00ms DONE'))
    assert.doesNotMatch(render('job:running', ref), /attempt/)
  })

  it('shows a failure that will run again, with the error and the wait under it', () => {
    const text = render('job:failed', {...ref, durationMs: 3.08, error: {name: 'Error', message: 'SMTP timeout'}, action: 'retry', delayMs: 5000})
    const [line, detail, ...rest] = text.split('\n')
    assert.equal(line, statusLine('ExampleKafkaJob', '3.08ms FAIL'))
    assert.equal(line.length, WIDTH)
    assert.equal(detail, '    Error: SMTP timeout — retrying in 5.0s')
    assert.deepEqual(rest, [])
  })

  it('says how long until a retry in milliseconds or seconds', () => {
    const waitOf = (delayMs: number) =>
      render('job:failed', {...ref, durationMs: 1, error: {name: 'Error', message: 'x'}, action: 'retry', delayMs}).split('— ')[1]
    assert.equal(waitOf(0), 'retrying in 0ms')
    assert.equal(waitOf(250), 'retrying in 250ms')
    assert.equal(waitOf(1000), 'retrying in 1.0s')
    assert.equal(waitOf(12_000), 'retrying in 12s')
  })

  it('shows a failure that went to the dead-letter topic, with why', () => {
    const text = render('job:failed', {...ref, attempt: 3, durationMs: 2, error: {name: 'TypeError', message: 'boom'}, action: 'dead-letter', reason: 'exhausted'})
    const [line, detail] = text.split('\n')
    assert.equal(line, statusLine('ExampleKafkaJob (attempt 3/3)', '2.00ms FAIL'))
    assert.equal(line.length, WIDTH)
    assert.equal(detail, '    TypeError: boom — dead-lettered (exhausted)')
    const fatal = render('job:failed', {...ref, durationMs: 2, error: {name: 'FatalJobError', message: 'no'}, action: 'dead-letter', reason: 'fatal'})
    assert.equal(fatal.split('\n')[1], '    FatalJobError: no — dead-lettered (fatal)')
  })

  it('shows a released job with the middleware that released it and when it runs again', () => {
    const [line, detail] = render('job:released', {...ref, delayMs: 1500, reason: 'rateLimited'}).split('\n')
    assert.match(line, / RELEASED$/)
    assert.equal(detail, '    rateLimited: runs again in 1.5s, as the same attempt')
  })

  it('shows a skipped duplicate with its unique id', () => {
    const [line, detail] = render('job:skipped', {...ref, uniqueId: 'invoice-7'}).split('\n')
    assert.match(line, / SKIPPED$/)
    assert.match(detail, /unique id invoice-7 was pending/)
  })

  it('shows where a job came from when verbose', () => {
    const line = render('job:running', ref, human({verbose: true}))
    assert.equal(line, `${statusLine('ExampleKafkaJob', 'RUNNING')} ${ref.id} default[2]@41`)
  })

  it('keeps at least three dots for a name too long for the line', () => {
    const name = 'A'.repeat(WIDTH)
    assert.equal(render('job:running', {...ref, job: name}), `  ${STAMP} ${name} ... RUNNING`)
  })

  it('uses the given width, never less than 60', () => {
    assert.equal(render('job:running', ref, human({width: 120})).length, 120)
    assert.equal(render('job:running', ref, human({width: 20})).length, 60)
  })

  it('colours DONE green, a FAIL to be retried yellow and a dead-lettered FAIL red', () => {
    const styles = COLOUR
    const done = render('job:done', {...ref, durationMs: 1}, human({styles}))
    assert.ok(done.endsWith(`${GREEN}DONE\u001B[39m`), JSON.stringify(done))

    const retry = render('job:failed', {...ref, durationMs: 1, error: {name: 'Error', message: 'x'}, action: 'retry', delayMs: 1000}, human({styles}))
    const [retryLine, retryDetail] = retry.split('\n')
    assert.ok(retryLine.endsWith(`${YELLOW}FAIL\u001B[39m`), JSON.stringify(retryLine))
    assert.ok(retryDetail.includes(`${YELLOW}Error: x\u001B[39m`), JSON.stringify(retryDetail))
    assert.ok(!retry.includes(RED))

    const dead = render('job:failed', {...ref, durationMs: 1, error: {name: 'Error', message: 'x'}, action: 'dead-letter', reason: 'exhausted'}, human({styles}))
    const [deadLine, deadDetail] = dead.split('\n')
    assert.ok(deadLine.endsWith(`${RED}FAIL\u001B[39m`), JSON.stringify(deadLine))
    assert.ok(deadDetail.includes(`${RED}Error: x\u001B[39m`), JSON.stringify(deadDetail))
    assert.ok(!dead.includes(YELLOW))
  })

  it('keeps the line width when coloured: the colour codes take no columns', () => {
    for (const event of ['job:running', 'job:done', 'job:failed'] as const) {
      const [line] = render(event, samples[event] as never, human({styles: COLOUR})).split('\n')
      assert.notEqual(stripVTControlCharacters(line), line, `${event} is not coloured`)
      assert.equal(stripVTControlCharacters(line).length, WIDTH, event)
    }
  })

  it('writes no colour codes with plain styles', () => {
    for (const event of events) {
      const text = render(event, samples[event] as never)
      assert.equal(stripVTControlCharacters(text), text, event)
    }
  })

  it('announces the queues, topics, group and concurrency at the start', () => {
    assert.equal(
      render('started', samples.started),
      '\n   INFO  Processing jobs from default, emails (topics default, default-retry, emails, emails-retry; group kq-workers; 4 at a time).\n',
    )
  })

  it('lists the assigned partitions by topic, in order', () => {
    assert.equal(render('assigned', samples.assigned), '  Partitions: default[0,1] default-retry[0]')
    assert.equal(render('assigned', {partitions: []}), '  Partitions: none (more workers than partitions in this group)')
    const delays = ['1s', '10s', '1m', '10m', '1h', '1d'].flatMap((label) => [0, 1].map((partition) => ({topic: `default-delay-${label}`, partition})))
    assert.equal(render('assigned', {partitions: delays}), '  Partitions: default-delay-*[0,1]', 'the delay ladder reads as one')
  })

  it('indents what a job logs under its line', () => {
    assert.equal(render('job:log', samples['job:log']), '    processed x')
    assert.equal(
      render('job:log', {...samples['job:log'], attempt: 2, late: true}),
      '    (late: attempt 2 had already ended) processed x',
      'a line from an attempt that timed out and ran on is marked, not shown as the current one',
    )
  })

  it('shows a poison record as dead-lettered, with the reason and where it was', () => {
    const [line, detail] = render('poison', samples.poison).split('\n')
    assert.equal(line, statusLine('(malformed record default[0]@7)', 'DEAD-LETTERED'))
    assert.equal(line.length, WIDTH)
    assert.equal(detail, '    EnvelopeError: job message is not JSON')
  })

  it('shows warnings and the broker coming and going', () => {
    assert.equal(render('warning', samples.warning), '   WARN  failed() of SendEmail threw: nope')
    assert.equal(render('broker:lost', samples['broker:lost']), '   KAFKA  lost the connection (Connection refused): retrying')
    assert.equal(render('broker:restored', {}), '   KAFKA  connected again')
  })

  it('says why it is stopping, for every reason', () => {
    const words = {
      signal: 'signal received',
      'max-jobs': '--max-jobs reached',
      'max-time': '--max-time reached',
      memory: '--memory exceeded',
      empty: 'queue is empty',
      'broker-timeout': 'Kafka unreachable for --broker-timeout',
      error: 'a failure record could not be written',
    } as const
    for (const [reason, said] of Object.entries(words)) {
      assert.equal(
        render('stopping', {reason: reason as keyof typeof words}),
        `\n   INFO  Stopping (${said}): running jobs finish first.`,
      )
    }
  })

  it('names --once, not --max-jobs, as why a worker started with --once stops', () => {
    assert.equal(render('stopping', {reason: 'max-jobs'}, human({once: true})), '\n   INFO  Stopping (--once: one job worked): running jobs finish first.')
  })

  it('sums the run up with its rate', () => {
    assert.equal(render('stopped', samples.stopped), '   INFO  5 done, 2 failed (1 dead-lettered) in 3.5s (2.0 jobs/s).')
    assert.equal(
      render('stopped', {...samples.stopped, processed: 0, failed: 0, deadLettered: 0, seconds: 0}),
      '   INFO  0 done, 0 failed (0 dead-lettered) in 0.0s (0.0 jobs/s).',
    )
  })

  it('names the jobs that did not run, unique duplicates skipped and jobs released, when there were some', () => {
    assert.equal(
      render('stopped', {...samples.stopped, skipped: 1, released: 3}),
      '   INFO  5 done, 2 failed (1 dead-lettered), 1 skipped, 3 released in 3.5s (2.0 jobs/s).',
    )
    assert.equal(render('stopped', {...samples.stopped, skipped: 2}), '   INFO  5 done, 2 failed (1 dead-lettered), 2 skipped in 3.5s (2.0 jobs/s).')
  })
})

describe('jsonRenderer', () => {
  const json = jsonRenderer(() => new Date('2026-11-26T17:30:01.000Z'))

  function parse<E extends keyof WorkerEvents>(event: E, payload: WorkerEvents[E]): Record<string, unknown> {
    const text = json(event, payload)
    assert.equal(typeof text, 'string', `${event} rendered nothing`)
    assert.ok(!(text as string).includes('\n'), `${event} spans lines`)
    return JSON.parse(text as string) as Record<string, unknown>
  }

  it('writes every event as one JSON object on one line, with its name, time and payload', () => {
    for (const event of events) {
      const object = parse(event, samples[event] as never)
      assert.equal(object.event, event)
      assert.equal(object.time, '2026-11-26T17:30:01.000Z')
      for (const [field, value] of Object.entries(samples[event])) assert.deepEqual(object[field], value, `${event}.${field}`)
    }
  })

  it('says running, done, retry or dead-letter for a job, and no status for other events', () => {
    assert.equal(parse('job:running', ref).status, 'running')
    assert.equal(parse('job:done', samples['job:done']).status, 'done')
    assert.equal(parse('job:failed', samples['job:failed']).status, 'retry')
    assert.equal(parse('job:failed', {...samples['job:failed'], action: 'dead-letter', reason: 'fatal'}).status, 'dead-letter')
    for (const event of events.filter((name) => !name.startsWith('job:') || name === 'job:log')) {
      assert.equal('status' in parse(event, samples[event] as never), false, event)
    }
  })

  it('gives a failed job’s name, id, attempt, duration and error as fields', () => {
    const object = parse('job:failed', {...ref, attempt: 2, durationMs: 3.08, error: {name: 'Error', message: 'SMTP timeout'}, action: 'retry', delayMs: 5000})
    assert.deepEqual(
      {job: object.job, id: object.id, attempt: object.attempt, maxTries: object.maxTries, durationMs: object.durationMs, error: object.error, delayMs: object.delayMs},
      {job: 'ExampleKafkaJob', id: ref.id, attempt: 2, maxTries: 3, durationMs: 3.08, error: {name: 'Error', message: 'SMTP timeout'}, delayMs: 5000},
    )
  })

  it('keeps a line break in a message inside the JSON string', () => {
    const object = parse('job:log', {job: 'ExampleKafkaJob', id: ref.id, attempt: 1, message: 'first\nsecond', late: false})
    assert.equal(object.message, 'first\nsecond')
  })

  it('reads the clock for each event', () => {
    let tick = 0
    const ticking = jsonRenderer(() => new Date(Date.UTC(2026, 10, 26, 17, 30, tick++)))
    const times = [0, 1].map(() => (JSON.parse(ticking('broker:restored', {}) as string) as {time: string}).time)
    assert.deepEqual(times, ['2026-11-26T17:30:00.000Z', '2026-11-26T17:30:01.000Z'])
  })

  it('says that metrics served where other machines reach them ask for no login', () => {
    const plain = new Chalk({level: 0})
    assert.equal(metricsLine('http://127.0.0.1:9400/metrics', {open: false}, plain), '\n   INFO  Prometheus metrics at http://127.0.0.1:9400/metrics')
    assert.match(metricsLine('http://0.0.0.0:9400/metrics', {open: true}, plain), /\n  open to other machines, without a login: keep the port on a private network/)
  })
})
