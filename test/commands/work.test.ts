import {strict as assert} from 'node:assert'
import {randomBytes} from 'node:crypto'
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {ExitCode} from '../../src/lib/errors.js'
import {kq, startKq, uniqueTopic} from '../support/cli.js'
import {kcat} from '../support/kcat.js'
import {closedPort} from '../support/ports.js'
import {type KcatRecord, endOffsetTotal, kcatRecords, testBrokers} from '../support/topics.js'
import {type LedgerEntry, type TestPayload, type WorkerApp, createWorkedQueue, groupProgress, kcatValue, makeWorkerApp, until} from '../support/worker.js'

interface Receipt {
  id: string
  job: string
  topic: string
  partition: number
  offset: number
}

/** Every header a dead letter carries, whatever its reason. */
const DEAD_LETTER_HEADERS = [
  'kq-original-topic',
  'kq-original-partition',
  'kq-original-offset',
  'kq-original-timestamp',
  'kq-attempts',
  'kq-error-class',
  'kq-error-message',
  'kq-first-failed-at',
  'kq-failed-at',
  'kq-consumer-group',
  'kq-worker',
  'kq-dlt-reason',
]

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

/** The attempts that started, in the order they started. */
function runsOf(entries: LedgerEntry[]): LedgerEntry[] {
  return entries.filter((entry) => entry.event === 'run')
}

function countMatches(text: string, pattern: RegExp): number {
  return [...text.matchAll(pattern)].length
}

/** The job's status lines as `kq work` prints them, timestamp first, status at the right edge. */
function statusLine(job: string, status: string): RegExp {
  return new RegExp(`^ {2}\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d ${job} \\.+ ${status}$`, 'gm')
}

function assertNoStackTrace(stderr: string): void {
  assert.doesNotMatch(stderr, /^\s+at /m, stderr)
}

describe('kq work', function () {
  this.timeout(60_000)
  let app: WorkerApp

  before(() => {
    app = makeWorkerApp()
  })

  after(() => app.remove())

  async function dispatch(job: string, payload: TestPayload, queue: string, extra: string[] = []): Promise<Receipt> {
    const {code, stdout, stderr} = await kq(['dispatch', job, JSON.stringify(payload), '--queue', queue, '--json', ...extra], {cwd: app.root})
    assert.equal(code, 0, stderr)
    return JSON.parse(stdout) as Receipt
  }

  async function dispatchMany(job: string, payloads: TestPayload[], queue: string, extra: string[] = []): Promise<void> {
    const input = payloads.map((payload) => JSON.stringify(payload)).join('\n')
    const {code, stderr} = await kq(['dispatch', job, '--ndjson', '-', '--queue', queue, ...extra], {cwd: app.root, input})
    assert.equal(code, 0, stderr)
  }

  const work = (args: string[], timeoutMs = 50_000) => kq(['work', ...args], {cwd: app.root, timeoutMs})

  /** The one dead letter of a job, by its id. */
  async function deadLetterOf(queue: string, id: string): Promise<KcatRecord> {
    const letters = (await kcatRecords(`${queue}-dlt`)).filter((record) => record.headers['kq-job-id'] === id)
    assert.equal(letters.length, 1, `dead letters of ${id}: ${JSON.stringify(letters)}`)
    return letters[0]
  }

  it('runs each job once, prints RUNNING and DONE lines and a summary, and commits to the end of the queue', async () => {
    const {queue, group} = await createWorkedQueue('work-ok', 2)
    await dispatchMany('Succeeds', [{tag: 'a'}, {tag: 'b'}, {tag: 'c'}], queue)
    const {code, stdout, stderr} = await work([queue, '--group', group, '--stop-when-empty'])
    assert.equal(code, 0, stderr)

    assert.deepEqual(runsOf(app.ledger(queue)).map((entry) => entry.tag).sort(), ['a', 'b', 'c'])
    assert.match(stdout, new RegExp(`^ {3}INFO {2}Processing jobs from ${queue} \\(topics ${queue}, ${queue}-retry; group ${group}; 1 at a time\\)\\.$`, 'm'))
    assert.equal(countMatches(stdout, statusLine('Succeeds', 'RUNNING')), 3, stdout)
    assert.equal(countMatches(stdout, statusLine('Succeeds', '\\d+\\.\\d\\dms DONE')), 3, stdout)
    assert.match(stdout, /^ {3}INFO {2}Stopping \(queue is empty\)/m)
    assert.match(stdout, /^ {3}INFO {2}3 done, 0 failed \(0 dead-lettered\) in \d+\.\ds \(\d+\.\d jobs\/s\)\.$/m)
    assert.equal(stderr, '')

    const progress = await groupProgress(group, queue)
    assert.equal(progress.reduce((sum, each) => sum + each.end, 0), 3)
    for (const {partition, committed, end} of progress) assert.equal(committed, end, `partition ${partition}`)
  })

  it('retries a failed job through the retry topic until it succeeds, with the same id and key', async () => {
    const {queue, group} = await createWorkedQueue('work-retry')
    const receipt = await dispatch('FailsUntil', {tag: 'flaky', succeedOn: 3}, queue, ['--key', 'order-1'])
    const {code, stdout, stderr} = await work([queue, '--group', group, '--stop-when-empty'])
    assert.equal(code, 0, stderr)

    const runs = runsOf(app.ledger(queue))
    assert.deepEqual(runs.map((entry) => [entry.id, entry.attempt]), [[receipt.id, 1], [receipt.id, 2], [receipt.id, 3]])
    assert.deepEqual(app.ledger(queue).filter((entry) => entry.event === 'failed'), [])
    assert.equal(await endOffsetTotal(`${queue}-dlt`), 0)

    const retries = await kcatRecords(`${queue}-retry`)
    assert.deepEqual(retries.map((record) => record.headers['kq-attempt']), ['2', '3'])
    for (const record of retries) {
      assert.equal(record.key, 'order-1')
      assert.equal(record.headers['kq-job-id'], receipt.id)
      assert.match(record.headers['kq-not-before'], ISO_TIME)
      assert.equal(JSON.parse(record.payload).attempt, Number(record.headers['kq-attempt']))
    }

    assert.equal(countMatches(stdout, statusLine('FailsUntil', '\\d+\\.\\d\\dms FAIL')), 1, stdout)
    assert.equal(countMatches(stdout, statusLine('FailsUntil \\(attempt 2/3\\)', '\\d+\\.\\d\\dms FAIL')), 1, stdout)
    assert.match(stdout, /^ {4}Error: attempt 1 of flaky failed — retrying in 200ms$/m)
    assert.equal(countMatches(stdout, statusLine('FailsUntil \\(attempt 3/3\\)', '\\d+\\.\\d\\dms DONE')), 1, stdout)
    assert.match(stdout, /1 done, 2 failed \(0 dead-lettered\)/)
    // Worked out on both topics: a restart runs neither the job nor its retries again.
    for (const topic of [queue, `${queue}-retry`]) {
      const [progress] = await groupProgress(group, topic)
      assert.deepEqual([progress.committed, progress.end], [topic === queue ? 1 : 2, topic === queue ? 1 : 2], topic)
    }
  })

  it('dead-letters a job after its last try with its key, headers and every failure header, then runs failed() once', async () => {
    const {queue, group} = await createWorkedQueue('work-exhaust', 3)
    const started = Date.now()
    const receipt = await dispatch('FailsUntil', {tag: 'doomed', succeedOn: 99}, queue, ['--key', 'user-7', '--header', 'trace=abc-123'])
    const {code, stdout, stderr} = await work([queue, '--group', group, '--stop-when-empty'])
    assert.equal(code, 0, stderr)

    const original = (await kcatRecords(queue)).find((record) => record.offset === receipt.offset && record.partition === receipt.partition)
    assert.ok(original)
    const letter = await deadLetterOf(queue, receipt.id)
    const {headers} = letter
    for (const name of DEAD_LETTER_HEADERS) assert.ok(headers[name] !== undefined, `missing header ${name}: ${JSON.stringify(headers)}`)
    assert.equal(letter.key, 'user-7')
    // The job keeps its partition from queue to retry to dead letter: the key decides.
    assert.equal(letter.partition, receipt.partition)
    for (const [name, value] of Object.entries(original.headers)) assert.equal(headers[name], value, `original header ${name}`)
    assert.equal(headers['kq-original-topic'], queue)
    assert.equal(headers['kq-original-partition'], String(receipt.partition))
    assert.equal(headers['kq-original-offset'], String(receipt.offset))
    assert.equal(headers['kq-original-timestamp'], new Date((original as KcatRecord & {ts: number}).ts).toISOString())
    assert.equal(headers['kq-job'], 'FailsUntil')
    assert.equal(headers['kq-job-id'], receipt.id)
    assert.equal(headers['kq-attempts'], '3')
    assert.equal(headers['kq-dlt-reason'], 'exhausted')
    assert.equal(headers['kq-error-class'], 'Error')
    assert.equal(headers['kq-error-message'], 'attempt 3 of doomed failed')
    assert.match(headers['kq-error-stack'], /^Error: attempt 3 of doomed failed\n\s+at /)
    assert.equal(headers['kq-consumer-group'], group)
    assert.match(headers['kq-worker'], /^[^:]+:\d+$/)
    assert.match(headers['kq-first-failed-at'], ISO_TIME)
    assert.match(headers['kq-failed-at'], ISO_TIME)
    const firstFailed = Date.parse(headers['kq-first-failed-at'])
    const failed = Date.parse(headers['kq-failed-at'])
    assert.ok(started <= firstFailed && firstFailed < failed && failed <= Date.now(), `${headers['kq-first-failed-at']} ${headers['kq-failed-at']}`)
    const runs = runsOf(app.ledger(queue))
    assert.ok(firstFailed >= runs[0].at && failed >= runs[2].at)
    // The same job: replaying the dead letter runs what was dispatched.
    const {attempt: _attempt, ...job} = JSON.parse(letter.payload)
    const {attempt: _first, ...dispatched} = JSON.parse(original.payload)
    assert.deepEqual(job, dispatched)

    assert.deepEqual(runs.map((entry) => entry.attempt), [1, 2, 3])
    const hooks = app.ledger(queue).filter((entry) => entry.event === 'failed')
    assert.deepEqual(hooks.map((entry) => [entry.id, entry.attempt, entry.detail]), [[receipt.id, 3, 'Error']])
    assert.ok(hooks[0].at >= failed, 'failed() ran before the dead letter was written')
    assert.match(stdout, /^ {4}Error: attempt 3 of doomed failed — dead-lettered \(exhausted\)$/m)
    // failed() runs after the last attempt by design: what it logs is not a late line.
    assert.match(stdout, /^ {4}failed\(\) of attempt 3$/m)
    assert.match(stdout, /0 done, 3 failed \(1 dead-lettered\)/)
    for (const {committed, end} of await groupProgress(group, queue)) assert.equal(committed, end)
  })

  it('gives a job class without tries the --tries of the command line, waiting out the --backoff list', async () => {
    const {queue, group} = await createWorkedQueue('work-flags')
    const receipt = await dispatch('Unconfigured', {tag: 'plain'}, queue)
    const {code, stderr} = await work([queue, '--group', group, '--stop-when-empty', '--tries', '4', '--backoff', '0.2,0.5'])
    assert.equal(code, 0, stderr)

    const runs = runsOf(app.ledger(queue))
    assert.deepEqual(runs.map((entry) => entry.attempt), [1, 2, 3, 4])
    const letter = await deadLetterOf(queue, receipt.id)
    assert.equal(letter.headers['kq-attempts'], '4')
    assert.equal(letter.headers['kq-dlt-reason'], 'exhausted')

    // The n-th retry waits the n-th value; the last one repeats.
    const expected = [200, 500, 500]
    const retries = await kcatRecords(`${queue}-retry`)
    assert.deepEqual(retries.map((record) => record.headers['kq-attempt']), ['2', '3', '4'])
    for (const [index, record] of retries.entries()) {
      const waited = Date.parse(record.headers['kq-not-before']) - Date.parse(record.headers['kq-failed-at'])
      assert.ok(Math.abs(waited - expected[index]) <= 100, `retry ${index + 1} due ${waited}ms after failing, expected ${expected[index]}`)
      // And the worker did wait: no attempt ran before it was due.
      assert.ok(runs[index + 1].at >= Date.parse(record.headers['kq-not-before']), `attempt ${index + 2} ran early`)
    }
  })

  it("lets the job class's tries win over --tries", async () => {
    const {queue, group} = await createWorkedQueue('work-class-tries')
    const receipt = await dispatch('FailsUntil', {tag: 'classy', succeedOn: 99}, queue)
    const {code, stderr} = await work([queue, '--group', group, '--stop-when-empty', '--tries', '5', '--backoff', '0'])
    assert.equal(code, 0, stderr)

    assert.deepEqual(runsOf(app.ledger(queue)).map((entry) => entry.attempt), [1, 2, 3])
    assert.equal((await deadLetterOf(queue, receipt.id)).headers['kq-attempts'], '3')
  })

  it('dead-letters a FatalJobError at once, without a retry record', async () => {
    const {queue, group} = await createWorkedQueue('work-fatal')
    const receipt = await dispatch('Fatal', {tag: 'fatal'}, queue, ['--key', 'card-1'])
    const {code, stdout, stderr} = await work([queue, '--group', group, '--stop-when-empty'])
    assert.equal(code, 0, stderr)

    assert.deepEqual(runsOf(app.ledger(queue)).map((entry) => entry.attempt), [1])
    assert.equal(await endOffsetTotal(`${queue}-retry`), 0)
    const letter = await deadLetterOf(queue, receipt.id)
    assert.equal(letter.headers['kq-dlt-reason'], 'fatal')
    assert.equal(letter.headers['kq-attempts'], '1')
    assert.equal(letter.headers['kq-error-class'], 'FatalJobError')
    assert.equal(letter.headers['kq-error-message'], 'card declined')
    assert.equal(letter.headers['kq-first-failed-at'], letter.headers['kq-failed-at'])
    // Dead-lettered from the queue record itself: its value, byte for byte.
    assert.deepEqual(await kcatValue(`${queue}-dlt`, letter.partition, letter.offset), await kcatValue(queue, receipt.partition, receipt.offset))
    assert.deepEqual(app.ledger(queue).filter((entry) => entry.event === 'failed').map((entry) => entry.detail), ['FatalJobError'])
    assert.match(stdout, /FatalJobError: card declined — dead-lettered \(fatal\)/)
  })

  it('dead-letters poison messages with their reason and exact bytes, and goes on with the jobs after them', async () => {
    const {queue, group} = await createWorkedQueue('work-poison')
    const unknownJob = {
      kq: 1,
      id: '01a21949-9dbf-7dcc-8fa1-23b7278476de',
      job: 'NoSuchJob',
      queue,
      attempt: 1,
      dispatchedAt: '2026-11-26T17:30:01.123Z',
      payload: {x: 1},
    }
    const wrongVersion = {...unknownJob, kq: 2, id: '01a21949-9dbf-7dcc-8fa1-23b7278476df', job: 'Succeeds'}
    const lines = ['{"hello":"world"}', JSON.stringify(unknownJob), JSON.stringify(wrongVersion)]
    await kcat(['-b', testBrokers(), '-P', '-t', queue], `${lines.join('\n')}\n`)
    // Not UTF-8, not JSON: produced from a file, one record, whatever bytes it holds.
    const bytesFile = path.join(app.root, 'random.bin')
    writeFileSync(bytesFile, Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), randomBytes(61)]))
    await kcat(['-b', testBrokers(), '-P', '-t', queue, bytesFile])
    const valid = await dispatch('Succeeds', {tag: 'after-poison'}, queue)
    assert.equal(valid.offset, 4)

    const {code, stdout, stderr} = await work([queue, '--group', group, '--stop-when-empty', '--unknown-job-grace', '0'])
    assert.equal(code, 0, stderr)

    assert.deepEqual(runsOf(app.ledger(queue)).map((entry) => entry.tag), ['after-poison'])
    const letters = await kcatRecords(`${queue}-dlt`)
    const byOffset = new Map(letters.map((letter) => [letter.headers['kq-original-offset'], letter]))
    assert.equal(letters.length, 4)
    const expected: Array<[string, string, string]> = [
      ['0', 'malformed', '0'],
      ['1', 'unknown-job', '0'],
      ['2', 'malformed', '0'],
      ['3', 'malformed', '0'],
    ]
    for (const [offset, reason, attempts] of expected) {
      const letter = byOffset.get(offset)
      assert.ok(letter, `no dead letter for offset ${offset}`)
      for (const name of DEAD_LETTER_HEADERS) assert.ok(letter.headers[name] !== undefined, `offset ${offset}: missing header ${name}`)
      assert.equal(letter.headers['kq-dlt-reason'], reason, `offset ${offset}`)
      assert.equal(letter.headers['kq-attempts'], attempts, `offset ${offset}`)
      assert.equal(letter.headers['kq-original-topic'], queue)
      assert.equal(letter.headers['kq-consumer-group'], group)
      assert.deepEqual(await kcatValue(`${queue}-dlt`, letter.partition, letter.offset), await kcatValue(queue, 0, offset), `offset ${offset}`)
    }

    assert.equal(byOffset.get('1')?.headers['kq-job'], 'NoSuchJob')
    assert.equal(byOffset.get('1')?.headers['kq-job-id'], unknownJob.id)
    assert.equal(countMatches(stdout, /^ {2}\S+ \S+ \((malformed|unknown-job) record \S+\[0\]@\d\) \.+ DEAD-LETTERED$/gm), 4, stdout)
    assert.match(stdout, /1 done, 0 failed \(4 dead-lettered\)/)
    const [progress] = await groupProgress(group, queue)
    assert.equal(progress.committed, 5)
  })

  it('names itself with --name in its start line and in the failure headers of its jobs', async () => {
    const {queue, group} = await createWorkedQueue('work-named')
    const receipt = await dispatch('Fatal', {tag: 'named'}, queue)
    const {code, stdout, stderr} = await work([queue, '--group', group, '--stop-when-empty', '--name', 'mailer-1'])
    assert.equal(code, 0, stderr)
    assert.match(stdout, /; worker mailer-1@\S+:\d+\)\./)
    assert.match((await deadLetterOf(queue, receipt.id)).headers['kq-worker'], /^mailer-1@\S+:\d+$/)
    // Running, it shows in kq status by its client id.
    const running = startKq(['work', queue, '--group', group, '--name', 'mailer-1'], {cwd: app.root})
    await until(() => /Partitions: /.test(running.stdout()), 60_000, 'the named worker to join')
    const status = await kq(['status', queue, '--group', group, '--json', '--sample', '0'])
    const {group: described} = JSON.parse(status.stdout) as {group: {members: Array<{clientId: string}>}}
    assert.deepEqual(described.members.map((member) => member.clientId.split('.').at(-1)), ['mailer-1'])
    running.child.kill('SIGTERM')
    assert.equal(await running.exited, 0)
    const refused = await work([queue, '--group', group, '--name', 'two words'])
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /^Error: --name must be a name of letters/)
  })

  it('rests a slot for --rest seconds after each job before it takes another', async () => {
    const {queue, group} = await createWorkedQueue('work-rest')
    for (const tag of ['r1', 'r2', 'r3']) await dispatch('Succeeds', {tag}, queue)
    const {code, stderr} = await work([queue, '--group', group, '--stop-when-empty', '--rest', '1'])
    assert.equal(code, 0, stderr)
    const runs = runsOf(app.ledger(queue))
    assert.deepEqual(runs.map((entry) => entry.tag), ['r1', 'r2', 'r3'])
    for (let index = 1; index < runs.length; index++) {
      assert.ok(runs[index].at - runs[index - 1].at >= 1000, `job ${index + 1} started ${runs[index].at - runs[index - 1].at} ms after the one before`)
    }
  })

  it('retries a job it does not know for --unknown-job-grace, then dead-letters it as unknown-job, saying why', async () => {
    const {queue, group} = await createWorkedQueue('work-unknown')
    const id = '01a21949-9dbf-7dcc-8fa1-23b7278476aa'
    const envelope = {kq: 1, id, job: 'DeployedLater', queue, attempt: 1, dispatchedAt: '2026-11-26T17:30:01.123Z', payload: {}}
    await kcat(['-b', testBrokers(), '-P', '-t', queue], `${JSON.stringify(envelope)}\n`)
    const first = await work([queue, '--group', group, '--stop-when-empty', '--unknown-job-grace', '2'])
    assert.equal(first.code, 0, first.stderr)
    assert.match(first.stdout, /UnknownJobError: [^\n]*DeployedLater[^\n]* — retrying in 2\.0s/)
    // Nothing it can run is left: it stops at once rather than wait out the grace, and says so.
    assert.match(first.stdout, /WARN {2}left 1 job this worker does not know \(DeployedLater\) waiting on \S+-delay-1s: /)
    assert.equal((await kcatRecords(`${queue}-dlt`)).length, 0)
    await sleep(2000)
    const {code, stderr} = await work([queue, '--group', group, '--stop-when-empty', '--unknown-job-grace', '2'])
    assert.equal(code, 0, stderr)
    const [letter] = await kcatRecords(`${queue}-dlt`)
    assert.equal(letter.headers['kq-dlt-reason'], 'unknown-job')
    assert.equal(letter.headers['kq-job-id'], id)
    assert.match(letter.headers['kq-error-message'], /DeployedLater.*\(tried for 2s: is every worker deployed with it\?\)$/)
    assert.equal(JSON.parse(letter.payload).attempt, 1, 'a job that never ran used no try')
  })

  it('fails an attempt that runs past its timeout, and dead-letters it as timeout after the last try', async () => {
    const {queue, group} = await createWorkedQueue('work-timeout')
    const receipt = await dispatch('Hangs', {tag: 'hangs'}, queue)
    const {code, stdout, stderr} = await work([queue, '--group', group, '--stop-when-empty'])
    assert.equal(code, 0, stderr)

    const runs = runsOf(app.ledger(queue))
    assert.deepEqual(runs.map((entry) => entry.attempt), [1, 2])
    assert.ok(runs[1].at - runs[0].at >= 1000, 'the second try started before the first timed out')
    assert.equal(app.ledger(queue).filter((entry) => entry.event === 'done').length, 0)
    const letter = await deadLetterOf(queue, receipt.id)
    assert.equal(letter.headers['kq-dlt-reason'], 'timeout')
    assert.equal(letter.headers['kq-attempts'], '2')
    assert.equal(letter.headers['kq-error-class'], 'JobTimeoutError')
    assert.equal((await kcatRecords(`${queue}-retry`)).length, 1)
    assert.match(stdout, /JobTimeoutError: the job ran longer than its timeout of 1s — dead-lettered \(timeout\)/)
    // The first attempt ran on past its timeout: its line shows under the second, marked as late.
    assert.match(stdout, /^ {4}\(late: attempt 1 had already ended\) late line of attempt 1$/m)
  })

  it('aborts the signal of a job that runs past its timeout', async () => {
    const {queue, group} = await createWorkedQueue('work-signal')
    const receipt = await dispatch('HonoursSignal', {tag: 'polite'}, queue)
    const {code, stderr} = await work([queue, '--group', group, '--stop-when-empty', '--timeout', '30'])
    assert.equal(code, 0, stderr)

    const entries = app.ledger(queue)
    const [run] = runsOf(entries)
    const aborted = entries.filter((entry) => entry.event === 'aborted')
    assert.deepEqual(aborted.map((entry) => [entry.id, entry.detail]), [[receipt.id, 'JobTimeoutError']])
    // The class's timeout of 1 s wins over --timeout 30.
    assert.ok(aborted[0].at - run.at >= 1000 && aborted[0].at - run.at < 10_000, `aborted after ${aborted[0].at - run.at}ms`)
    assert.equal((await deadLetterOf(queue, receipt.id)).headers['kq-dlt-reason'], 'timeout')
  })

  it('runs a job longer than the session timeout once, though another worker joins the group meanwhile', async function () {
    this.timeout(120_000)
    const {queue, group} = await createWorkedQueue('work-long')
    await dispatch('Sleeps', {tag: 'long', sleepMs: 14_000}, queue)
    // --max-time only ends a worker that redelivers the job again and again, for a clear failure.
    const args = [queue, '--group', group, '--session-timeout', '6', '--stop-when-empty', '--max-time', '40']
    const first = work(args, 80_000)
    await until(() => runsOf(app.ledger(queue)).length > 0, 30_000, 'the long job to start')
    // A second member forces a rebalance while the job runs.
    await sleep(2000)
    const second = work(args, 80_000)
    const results = await Promise.all([first, second])
    for (const {code, stderr} of results) assert.equal(code, 0, stderr)

    const entries = app.ledger(queue)
    assert.deepEqual(entries.map((entry) => entry.event), ['run', 'done'], JSON.stringify(entries))
    assert.ok(entries[1].at - entries[0].at >= 13_900)
    const [progress] = await groupProgress(group, queue)
    assert.equal(progress.committed, 1)
  })

  it('keeps working other keys while a failed job waits for its retry', async () => {
    const {queue, group} = await createWorkedQueue('work-nonblocking')
    await dispatch('Unconfigured', {tag: 'A'}, queue, ['--key', 'A'])
    await dispatch('Succeeds', {tag: 'B'}, queue, ['--key', 'B'])
    const {code, stderr} = await work([queue, '--group', group, '--stop-when-empty', '--tries', '2', '--backoff', '5'])
    assert.equal(code, 0, stderr)

    const runs = runsOf(app.ledger(queue)).map((entry) => [entry.tag, entry.attempt, entry.at] as const)
    assert.deepEqual(runs.map(([tag, attempt]) => `${tag}${attempt}`), ['A1', 'B1', 'A2'])
    const [[, , failedAt], [, , healthyAt], [, , retriedAt]] = runs
    assert.ok(retriedAt - failedAt >= 5000, 'the retry ran before its backoff')
    assert.ok(healthyAt - failedAt < (retriedAt - failedAt) / 2, `B ran ${healthyAt - failedAt}ms after A failed, A's retry ${retriedAt - failedAt}ms after`)
  })

  it('lets the running job finish on SIGTERM, commits it, and exits 0', async () => {
    const {queue, group} = await createWorkedQueue('work-sigterm')
    await dispatchMany('Sleeps', [{tag: 'running', sleepMs: 1500}, {tag: 'waiting'}], queue)
    const {child, stdout, exited} = startKq(['work', queue, '--group', group], {cwd: app.root})
    try {
      await until(() => runsOf(app.ledger(queue)).length > 0, 30_000, 'the job to start')
      child.kill('SIGTERM')
      assert.equal(await exited, 0, stdout())
    } finally {
      child.kill('SIGKILL')
    }

    assert.deepEqual(app.ledger(queue).map((entry) => `${entry.tag} ${entry.event}`), ['running run', 'running done'])
    assert.match(stdout(), /Stopping \(signal received\): running jobs finish first\./)
    assert.match(stdout(), /1 done, 0 failed/)
    const [progress] = await groupProgress(group, queue)
    assert.equal(progress.committed, 1)
  })

  it('works exactly one job with --once, and the next run goes on from there', async () => {
    const {queue, group} = await createWorkedQueue('work-once')
    await dispatchMany('Succeeds', [{tag: 'a'}, {tag: 'b'}, {tag: 'c'}], queue)
    const once = await work([queue, '--group', group, '--once'])
    assert.equal(once.code, 0, once.stderr)
    assert.deepEqual(runsOf(app.ledger(queue)).map((entry) => entry.tag), ['a'])
    assert.match(once.stdout, /Stopping \(--once: one job worked\)/)
    assert.match(once.stdout, /1 done, 0 failed/)

    const again = await work([queue, '--group', group, '--once'])
    assert.equal(again.code, 0, again.stderr)
    assert.deepEqual(runsOf(app.ledger(queue)).map((entry) => entry.tag), ['a', 'b'])
  })

  it('works three jobs with --max-jobs 3', async () => {
    const {queue, group} = await createWorkedQueue('work-max-jobs')
    await dispatchMany('Succeeds', [1, 2, 3, 4, 5].map((n) => ({tag: `job-${n}`})), queue)
    const {code, stdout, stderr} = await work([queue, '--group', group, '--max-jobs', '3'])
    assert.equal(code, 0, stderr)
    assert.deepEqual(runsOf(app.ledger(queue)).map((entry) => entry.tag), ['job-1', 'job-2', 'job-3'])
    assert.match(stdout, /3 done, 0 failed/)
    const [progress] = await groupProgress(group, queue)
    assert.equal(progress.committed, 3)
  })

  it('stops with exit code 12 once past --memory', async () => {
    const {queue, group} = await createWorkedQueue('work-memory')
    await dispatch('Succeeds', {tag: 'm'}, queue)
    const {code, stdout} = await work([queue, '--group', group, '--memory', '16'])
    assert.equal(code, ExitCode.Memory)
    assert.equal(runsOf(app.ledger(queue)).length, 1)
    assert.match(stdout, /Stopping \(--memory exceeded\)/)
  })

  it('stops with exit code 0 after --max-time', async () => {
    const {queue, group} = await createWorkedQueue('work-max-time')
    const started = Date.now()
    const {code, stdout, stderr} = await work([queue, '--group', group, '--max-time', '2'])
    assert.equal(code, 0, stderr)
    assert.ok(Date.now() - started >= 2000)
    assert.match(stdout, /Stopping \(--max-time reached\)/)
    assert.match(stdout, /0 done, 0 failed \(0 dead-lettered\)/)
  })

  it('prints no line for jobs that ran well with --quiet, but failures and the summary', async () => {
    const {queue, group} = await createWorkedQueue('work-quiet')
    await dispatch('Succeeds', {tag: 'fine'}, queue)
    await dispatch('Fatal', {tag: 'broken'}, queue)
    const {code, stdout, stderr} = await work([queue, '--group', group, '--stop-when-empty', '--quiet'])
    assert.equal(code, 0, stderr)
    assert.equal(runsOf(app.ledger(queue)).length, 2)
    assert.equal(countMatches(stdout, /RUNNING|DONE/g), 0, stdout)
    assert.equal(countMatches(stdout, statusLine('Fatal', '\\d+\\.\\d\\dms FAIL')), 1, stdout)
    assert.match(stdout, /1 done, 1 failed \(1 dead-lettered\)/)
  })

  it('prints one JSON object per line with --json, job events with their status, id and attempt', async () => {
    const {queue, group} = await createWorkedQueue('work-json')
    const ok = await dispatch('Succeeds', {tag: 'ok'}, queue)
    const flaky = await dispatch('FailsUntil', {tag: 'flaky', succeedOn: 2}, queue)
    const {code, stdout, stderr} = await work([queue, '--group', group, '--stop-when-empty', '--json'])
    assert.equal(code, 0, stderr)

    const lines = stdout.split('\n').filter((line) => line !== '')
    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    for (const event of events) {
      assert.equal(typeof event.event, 'string', JSON.stringify(event))
      assert.match(String(event.time), ISO_TIME)
    }

    const jobEvents = events.filter((event) => String(event.event).startsWith('job:'))
    assert.deepEqual(
      jobEvents.map((event) => [event.event, event.status, event.id, event.attempt]),
      [
        ['job:running', 'running', ok.id, 1],
        ['job:done', 'done', ok.id, 1],
        ['job:running', 'running', flaky.id, 1],
        ['job:failed', 'retry', flaky.id, 1],
        ['job:running', 'running', flaky.id, 2],
        ['job:done', 'done', flaky.id, 2],
      ],
    )
    const failed = jobEvents[3]
    assert.deepEqual(failed.error, {name: 'Error', message: 'attempt 1 of flaky failed'})
    assert.equal(failed.delayMs, 200)
    assert.equal(typeof jobEvents[1].durationMs, 'number')
    assert.deepEqual(events.map((event) => event.event).filter((name) => !String(name).startsWith('job:')), ['started', 'assigned', 'stopping', 'stopped'])
    assert.deepEqual({...events.at(-1), time: undefined, seconds: undefined}, {
      event: 'stopped',
      time: undefined,
      seconds: undefined,
      processed: 2,
      failed: 1,
      deadLettered: 0,
      skipped: 0,
      released: 0,
      reason: 'empty',
      exitCode: 0,
    })
  })

  it('keeps jobs of one key in order with --retry-in-place, writing nothing to the retry topic', async () => {
    const {queue, group} = await createWorkedQueue('work-in-place')
    const payloads = [
      {tag: 'first', succeedOn: 2, key: 'K'},
      {tag: 'second', succeedOn: 1, key: 'K'},
      {tag: 'third', succeedOn: 1, key: 'K'},
    ]
    await dispatchMany('FailsUntil', payloads, queue, ['--key-field', 'key'])
    const {code, stdout, stderr} = await work([queue, '--group', group, '--stop-when-empty', '--retry-in-place', '--concurrency', '4'])
    assert.equal(code, 0, stderr)

    const runs = runsOf(app.ledger(queue)).map((entry) => `${entry.tag}#${entry.attempt}`)
    assert.deepEqual(runs, ['first#1', 'first#2', 'second#1', 'third#1'])
    assert.equal(await endOffsetTotal(`${queue}-retry`), 0)
    assert.match(stdout, /3 done, 1 failed \(0 dead-lettered\)/)
  })

  it('works two queues in one worker', async () => {
    const group = uniqueTopic('g')
    const {queue: qa} = await createWorkedQueue('work-qa', 1, group)
    const {queue: qb} = await createWorkedQueue('work-qb', 2, group)
    await dispatch('Succeeds', {tag: 'in-a'}, qa)
    await dispatch('Succeeds', {tag: 'in-b'}, qb)
    const {code, stdout, stderr} = await work([`${qa},${qb}`, '--group', group, '--stop-when-empty'])
    assert.equal(code, 0, stderr)

    assert.deepEqual(runsOf(app.ledger(qa)).map((entry) => entry.tag), ['in-a'])
    assert.deepEqual(runsOf(app.ledger(qb)).map((entry) => entry.tag), ['in-b'])
    assert.match(stdout, new RegExp(`Processing jobs from ${qa}, ${qb} \\(topics ${qa}, ${qa}-retry, ${qb}, ${qb}-retry;`))
  })

  describe('refuses bad input with one line, a non-zero exit and no stack trace', () => {
    const refusals: Array<[string, string[], number, RegExp]> = [
      ['a --backoff that is not a list of seconds', ['--backoff', '1,x'], ExitCode.Usage, /^Error: --backoff must be seconds, or a comma-separated list of them \(e\.g\. 1,5,10\), got "1,x"\n$/],
      ['--concurrency 0', ['--concurrency', '0'], ExitCode.Usage, /^Error: .*concurrency.*\n$/],
      ['--tries 0', ['--tries', '0'], ExitCode.Usage, /^Error: .*tries.*\n$/],
      [
        'queues given both as the argument and as --queue (Laravel\'s connection argument)',
        ['--queue=high,low'],
        ExitCode.Usage,
        /^Error: queues given twice, as the argument \(some-queue\) and as --queue \(high,low\): give one; kq has no connection argument, KAFKA_BROKERS says where Kafka is\n$/,
      ],
      ['Laravel\'s --sleep, saying why there is none', ['--sleep=3'], ExitCode.Usage, /^Error: kq work has no --sleep \(Laravel's wait before it polls an empty queue again\): .*drop the flag\n$/],
    ]
    for (const [what, args, exitCode, message] of refusals) {
      it(what, async () => {
        const {code, stdout, stderr} = await work(['some-queue', ...args])
        assert.equal(code, exitCode, stderr)
        assert.match(stderr, message)
        assertNoStackTrace(stderr)
        assert.equal(stdout, '')
      })
    }

    it('a --jobs-dir or KQ_JOBS_DIR that does not exist (exit 4), rather than taking every job as unknown', async () => {
      const given = [
        await work(['some-queue', '--jobs-dir', 'no/such/jobs']),
        await kq(['work', 'some-queue'], {cwd: app.root, env: {KQ_JOBS_DIR: 'no/such/jobs'}}),
      ]
      for (const {code, stdout, stderr} of given) {
        assert.equal(code, ExitCode.Config, stderr)
        assert.equal(stderr, `Error: the jobs folder ${path.join('no', 'such', 'jobs')} does not exist: set KQ_JOBS_DIR or --jobs-dir to the folder of your job classes\n`)
        assert.equal(stdout, '')
      }
    })

    it('a queue whose topic does not exist (exit 6), in one line that names the command to run', async () => {
      const missing = uniqueTopic('nope')
      const {code, stdout, stderr} = await work([missing, '--group', uniqueTopic('g'), '--stop-when-empty'])
      assert.equal(code, ExitCode.KafkaRefused)
      assert.equal(stderr, `Error: topic ${missing} does not exist: create it with \`kq topic:create ${missing}\`\n`)
      assert.doesNotMatch(stdout, /Processing jobs/)
    })

    it('with --json, in JSON lines on stdout only: a missing topic, a bad option, a broker that is down, and warnings before', async () => {
      const missing = uniqueTopic('nope')
      const cases: Array<[string[], number, RegExp]> = [
        [[missing, '--group', uniqueTopic('g'), '--stop-when-empty'], ExitCode.KafkaRefused, /create it with `kq topic:create/],
        [['some-queue', '--frobnicate'], ExitCode.Usage, /^Nonexistent flag: --frobnicate/],
        [['some-queue', '--brokers', `127.0.0.1:${await closedPort()}`], ExitCode.Unreachable, /^cannot reach Kafka at 127\.0\.0\.1:\d+/],
      ]
      for (const [args, exitCode, message] of cases) {
        const {code, stdout, stderr} = await kq(['work', ...args, '--json'], {cwd: app.root, env: {KAFKA_CONNECT_TIMEOUT: '3', KAFKA_BROKR: 'typo'}})
        assert.deepEqual([code, stderr], [exitCode, ''], args.join(' '))
        const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as {event: string; message?: string; error?: {message: string; exitCode: number}})
        if (exitCode !== ExitCode.Usage) assert.match(lines[0].message ?? '', /^KAFKA_BROKR in the environment is not a kq setting/)
        const last = lines.at(-1)!
        assert.equal(last.event, 'error', stdout)
        assert.equal(last.error?.exitCode, exitCode)
        assert.match(last.error?.message ?? '', message)
      }
    })

    it('every queue without its topics, each with its command, not only the first', async () => {
      const [first, second] = [uniqueTopic('nope'), uniqueTopic('nope')]
      const {code, stderr} = await work([`${first},${second}`, '--group', uniqueTopic('g'), '--stop-when-empty'])
      assert.equal(code, ExitCode.KafkaRefused)
      assert.equal(stderr, `Error: topics ${first}, ${second} do not exist: create them with \`kq topic:create ${first}\` and \`kq topic:create ${second}\`\n`)
    })
  })
})
