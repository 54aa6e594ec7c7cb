import {strict as assert} from 'node:assert'
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {type TestApp, makeTestApp} from '../support/app.js'
import {kq, startKq} from '../support/cli.js'
import {kcatRecords} from '../support/topics.js'
import {createWorkedQueue, groupProgress, until} from '../support/worker.js'

interface Run {
  job: string
  tag: string
  attempt: number
  at: number
  pid: number
}

/** A job that notes each run in the ledger, fails when asked, and wraps handle() in `middleware`. */
function ledgerJob(name: string, ledger: string, options: {imports?: string; middleware?: string; fields?: string}): string {
  return `import {appendFileSync} from 'node:fs'
import {Job, type JobContext, type JobMiddleware${options.imports ? `, ${options.imports}` : ''}} from 'kq'

interface Payload {
  tag: string
  fail?: boolean
  invoice?: string
}

export default class ${name} extends Job<Payload> {
${options.fields ?? ''}
  override middleware(): Array<JobMiddleware<Payload>> {
    return [${options.middleware ?? ''}]
  }

  override async handle(payload: Payload, ctx: JobContext): Promise<void> {
    appendFileSync(${JSON.stringify(ledger)}, JSON.stringify({job: ctx.job, tag: payload.tag, attempt: ctx.attempt, at: Date.now(), pid: process.pid}) + '\\n')
    if (payload.fail) throw new Error('downstream refused ' + payload.tag)
  }
}
`
}

/** Middleware and unique jobs through real workers on a real broker: what is released comes back, once. */
describe('kq work: job middleware and unique jobs', function () {
  this.timeout(120_000)
  let app: TestApp
  let ledger: string

  before(() => {
    app = makeTestApp()
    ledger = path.join(app.root, 'ledger.ndjson')
    app.writeJob('OnePerSecond', ledgerJob('OnePerSecond', ledger, {imports: 'rateLimited', middleware: 'rateLimited({perSecond: 1})'}))
    app.writeJob('FourPerSecond', ledgerJob('FourPerSecond', ledger, {imports: 'rateLimited', middleware: 'rateLimited({perSecond: 4})'}))
    app.writeJob(
      'Downstream',
      ledgerJob('Downstream', ledger, {imports: 'throttlesExceptions', middleware: 'throttlesExceptions(2, 3)', fields: '  override tries = 1'}),
    )
    app.writeJob(
      'SendInvoice',
      ledgerJob('SendInvoice', ledger, {
        fields: '  override uniqueFor = 2\n  override uniqueId(payload: Payload): string {\n    return `invoice-${payload.invoice}`\n  }',
      }),
    )
    // Unique, one try, and fails while the switch file is there: dead-lettered, then replayed once fixed.
    app.writeJob(
      'SettleInvoice',
      `import {appendFileSync, existsSync} from 'node:fs'
import {Job, type JobContext} from 'kq'

export default class SettleInvoice extends Job<{tag: string; invoice: string}> {
  override tries = 1
  override uniqueId(payload: {invoice: string}): string {
    return \`invoice-\${payload.invoice}\`
  }

  override async handle(payload: {tag: string}, ctx: JobContext): Promise<void> {
    appendFileSync(${JSON.stringify(ledger)}, JSON.stringify({job: ctx.job, tag: payload.tag, attempt: ctx.attempt, at: Date.now(), pid: process.pid}) + '\\n')
    if (existsSync(${JSON.stringify(path.join(app.root, 'settle-fails'))})) throw new Error('the bank is down')
  }
}
`,
    )
  })

  after(() => app.remove())

  it("puts back a job whose handle() calls this.release(), as Laravel's $this->release(), and runs it again as the same attempt", async () => {
    app.writeJob(
      'WaitsOnce',
      `import {appendFileSync, existsSync, writeFileSync} from 'node:fs'
import {Job, type JobContext} from 'kq'

export default class WaitsOnce extends Job<{tag: string}> {
  override tries = 1

  override async handle(payload: {tag: string}, ctx: JobContext): Promise<void> {
    appendFileSync(${JSON.stringify(ledger)}, JSON.stringify({job: ctx.job, tag: payload.tag, attempt: ctx.attempt, at: Date.now(), pid: process.pid}) + '\\n')
    const marker = ${JSON.stringify(path.join(app.root, 'waited'))}
    if (!existsSync(marker)) {
      writeFileSync(marker, '')
      return this.release(0.2, 'not yet')
    }
  }
}
`,
    )
    const {queue, group} = await createWorkedQueue('mw-handle-release')
    await dispatch('WaitsOnce', {tag: 'w'}, queue)
    const events = await work(queue, group)
    const released = events.filter((event) => event.event === 'job:released')
    assert.deepEqual(released.map((event) => [event.reason, event.attempt]), [['not yet', 1]])
    assert.equal(events.filter((event) => event.event === 'job:failed').length, 0)
    assert.deepEqual(runs('WaitsOnce').map((run) => run.attempt), [1, 1])
  })

  const runs = (job: string): Run[] =>
    existsSync(ledger)
      ? readFileSync(ledger, 'utf8')
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as Run)
          .filter((run) => run.job === job)
      : []

  async function dispatch(job: string, payload: object, queue: string): Promise<void> {
    const {code, stderr} = await kq(['dispatch', job, JSON.stringify(payload), '--queue', queue], {cwd: app.root})
    assert.equal(code, 0, stderr)
  }

  async function work(queue: string, group: string): Promise<Array<Record<string, unknown>>> {
    const {code, stdout, stderr} = await kq(['work', queue, '--group', group, '--stop-when-empty', '--concurrency', '1', '--json'], {
      cwd: app.root,
      timeoutMs: 100_000,
    })
    assert.equal(code, 0, stderr)
    return stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
  }

  it('releases jobs over a rate limit back to the queue with a delay, and runs each once, as its first attempt', async () => {
    const {queue, group} = await createWorkedQueue('mw-rate')
    const ndjson = path.join(app.root, 'rate.ndjson')
    writeFileSync(ndjson, ['a', 'b', 'c'].map((tag) => JSON.stringify({tag})).join('\n') + '\n')
    const sent = await kq(['dispatch', 'OnePerSecond', '--ndjson', ndjson, '--queue', queue], {cwd: app.root})
    assert.equal(sent.code, 0, sent.stderr)

    const events = await work(queue, group)
    const released = events.filter((event) => event.event === 'job:released')
    assert.ok(released.length >= 2, `expected the jobs after the first to be released, got ${JSON.stringify(events.map((event) => event.event))}`)
    for (const event of released) {
      assert.equal(event.reason, 'rateLimited')
      assert.equal(event.status, 'released')
      assert.equal(event.attempt, 1)
    }

    // Each ran once, as attempt 1: a release is not a try.
    const ran = runs('OnePerSecond')
    assert.deepEqual(ran.map((run) => run.tag).sort(), ['a', 'b', 'c'])
    assert.deepEqual(ran.map((run) => run.attempt), [1, 1, 1])
    const sorted = ran.map((run) => run.at).sort((a, b) => a - b)
    assert.ok(sorted[2] - sorted[0] >= 1900, `three jobs at one a second started within ${sorted[2] - sorted[0]} ms`)

    // The released copies are this group's, and every topic the jobs passed through is committed to its end.
    const releasedCopies = [...(await kcatRecords(`${queue}-retry`)), ...(await kcatRecords(`${queue}-delay-1s`))]
    assert.ok(releasedCopies.length >= released.length)
    for (const copy of releasedCopies) assert.equal(copy.headers['kq-consumer-group'], group)
    for (const topic of [queue, `${queue}-retry`, `${queue}-delay-1s`]) {
      for (const {committed, end} of await groupProgress(group, topic)) assert.equal(committed, end, `${topic} is not committed to its end`)
    }
  })

  it('holds two workers of a group to one rate limit between them, each taking its share', async () => {
    const {queue, group} = await createWorkedQueue('mw-rate-group', 2)
    const ndjson = path.join(app.root, 'rate-group.ndjson')
    writeFileSync(ndjson, Array.from({length: 12}, (_, index) => JSON.stringify({tag: `t${index}`})).join('\n') + '\n')
    const sent = await kq(['dispatch', 'FourPerSecond', '--ndjson', ndjson, '--queue', queue, '--key-field', 'tag'], {cwd: app.root})
    assert.equal(sent.code, 0, sent.stderr)

    // Both stay until every job ran: with --stop-when-empty, one that found its partitions empty would leave.
    const workers = [0, 1].map(() => startKq(['work', queue, '--group', group, '--concurrency', '4'], {cwd: app.root}))
    await until(() => runs('FourPerSecond').length >= 12, 60_000, 'the twelve jobs to run')
    for (const worker of workers) worker.child.kill('SIGTERM')
    assert.deepEqual(await Promise.all(workers.map((worker) => worker.exited)), [0, 0])
    const ran = runs('FourPerSecond')
    assert.deepEqual(ran.map((run) => run.tag).sort(), Array.from({length: 12}, (_, index) => `t${index}`).sort())
    // Four a second for the group: each worker's bucket holds its share of a second's worth (two
    // each), so twelve jobs take at least two seconds, or one and a half if a worker leaves and
    // the other takes its share at once. Two workers with the whole limit each would need half a second.
    const starts = ran.map((run) => run.at).sort((a, b) => a - b)
    const span = starts.at(-1)! - starts[0]
    assert.ok(span >= 1400, `twelve jobs at four a second for the group started within ${span} ms`)
    process.stdout.write(`      12 jobs in ${span} ms, by ${new Set(ran.map((run) => run.pid)).size} worker(s)\n`)
  })

  it('after failures in a row, releases the next jobs of the class for the decay time instead of running them', async () => {
    const {queue, group} = await createWorkedQueue('mw-throttle')
    await dispatch('Downstream', {tag: 'first', fail: true}, queue)
    await dispatch('Downstream', {tag: 'second', fail: true}, queue)
    await dispatch('Downstream', {tag: 'third'}, queue)

    const events = await work(queue, group)
    const summary = events.map((event) => `${event.event}:${event.status ?? ''}`).filter((each) => each.startsWith('job:') && !each.startsWith('job:running'))
    assert.deepEqual(summary, ['job:failed:dead-letter', 'job:failed:dead-letter', 'job:released:released', 'job:done:done'])
    const release = events.find((event) => event.event === 'job:released')!
    assert.equal(release.reason, 'throttlesExceptions')
    assert.ok((release.delayMs as number) > 2000 && (release.delayMs as number) <= 3000, `released for ${String(release.delayMs)} ms`)

    const ran = runs('Downstream')
    assert.deepEqual(ran.map((run) => `${run.tag}${run.attempt}`), ['first1', 'second1', 'third1'])
    assert.ok(ran[2].at - ran[1].at >= 2000, 'the third job ran before the throttle let it')
  })

  it('kq dispatch refuses another key for a unique job, and --ndjson for it, in one line, sending nothing', async () => {
    const {queue} = await createWorkedQueue('unique-refused')
    const keyed = await kq(['dispatch', 'SendInvoice', '{"tag":"t","invoice":"7"}', '--queue', queue, '--key', 'customer-1'], {cwd: app.root})
    assert.equal(keyed.code, 2)
    assert.equal(keyed.stderr.trim().split('\n').length, 1, keyed.stderr)
    assert.match(keyed.stderr, /SendInvoice is keyed by its unique id \("invoice-7"\), so it cannot be sent with key "customer-1": leave the key out/)
    const ndjson = path.join(app.root, 'unique.ndjson')
    writeFileSync(ndjson, '{"tag":"t","invoice":"7"}\n')
    const bulk = await kq(['dispatch', 'SendInvoice', '--ndjson', ndjson, '--queue', queue], {cwd: app.root})
    assert.equal(bulk.code, 2)
    assert.match(bulk.stderr, /SendInvoice is unique or keyed by its middleware, which --ndjson does not apply: dispatch its jobs one at a time/)
    assert.deepEqual(await kcatRecords(queue), [])
  })

  it('runs a unique job once for two dispatches while it is pending, and again when dispatched after uniqueFor', async () => {
    const {queue, group} = await createWorkedQueue('unique', 2)
    // Side by side, so that they are dispatched well within uniqueFor of each other.
    await Promise.all([
      dispatch('SendInvoice', {tag: 'twin', invoice: '7'}, queue),
      dispatch('SendInvoice', {tag: 'twin', invoice: '7'}, queue),
      dispatch('SendInvoice', {tag: 'other', invoice: '8'}, queue),
    ])
    // uniqueFor is two seconds: a dispatch after it runs, though the first has not run yet.
    await sleep(2100)
    await dispatch('SendInvoice', {tag: 'later', invoice: '7'}, queue)

    const events = await work(queue, group)
    const skipped = events.filter((event) => event.event === 'job:skipped')
    assert.deepEqual(skipped.map((event) => event.uniqueId), ['invoice-7'])
    assert.deepEqual(runs('SendInvoice').map((run) => run.tag).sort(), ['later', 'other', 'twin'])
    // The summary adds up to what ran and what was skipped.
    const stopped = events.find((event) => event.event === 'stopped')
    assert.deepEqual([stopped?.processed, stopped?.skipped], [3, 1])

    // Duplicates share a partition: the unique id is the message key.
    const records = await kcatRecords(queue)
    const partitions = new Set(records.filter((record) => record.headers['kq-unique-id'] === 'invoice-7').map((record) => record.partition))
    assert.equal(partitions.size, 1)
    for (const record of records) assert.equal(record.headers['kq-unique-for'], '2')
  })

  it('runs a replayed unique job, though a later job of its unique id has run since on the same worker', async () => {
    const {queue, group} = await createWorkedQueue('unique-replay')
    const switchFile = path.join(app.root, 'settle-fails')
    writeFileSync(switchFile, '')
    const worker = startKq(['work', queue, '--group', group, '--concurrency', '1', '--json'], {cwd: app.root})
    const events = () =>
      worker
        .stdout()
        .split('\n')
        // The last line may be one the worker is still writing.
        .slice(0, -1)
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
    const tags = () => runs('SettleInvoice').map((run) => run.tag)
    try {
      await dispatch('SettleInvoice', {tag: 'first', invoice: '9'}, queue)
      await until(() => events().some((event) => event.event === 'job:failed' && event.action === 'dead-letter'), 60_000, 'the first job to be dead-lettered')
      rmSync(switchFile)
      await dispatch('SettleInvoice', {tag: 'second', invoice: '9'}, queue)
      await until(() => tags().includes('second'), 60_000, 'the second job to run')

      const replay = await kq(['dlt:replay', queue, '--group', group, '--yes'], {cwd: app.root})
      assert.equal(replay.code, 0, replay.stderr)
      // The same worker, which saw the second job take the unique id, runs the replay rather than skip it.
      await until(() => tags().length === 3 || events().some((event) => event.event === 'job:skipped'), 60_000, 'the replayed job to run or be skipped')
      assert.deepEqual(tags(), ['first', 'second', 'first'])
      assert.equal(new Set(runs('SettleInvoice').map((run) => run.pid)).size, 1)
    } finally {
      worker.child.kill('SIGTERM')
      await worker.exited
    }
  })
})
