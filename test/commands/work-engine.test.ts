import {strict as assert} from 'node:assert'
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {kq, startKq} from '../support/cli.js'
import {type LedgerEntry, type TestPayload, type WorkerApp, createWorkedQueue, groupProgress, makeWorkerApp, until} from '../support/worker.js'

/** The pipelined engine: no batch barrier, key order, watermark commits, strict queue priority. */
describe('kq work: the engine', function () {
  this.timeout(120_000)
  let app: WorkerApp

  before(() => {
    app = makeWorkerApp()
    // Records which keyed job ran, in what order, and whether another of its key was running.
    app.writeJob(
      'Keyed',
      `import {appendFileSync} from 'node:fs'
import {Job, type JobContext} from 'kq'

const running = new Set<string>()

export default class Keyed extends Job<{key: string; seq: number; sleepMs: number}> {
  override async handle(payload: {key: string; seq: number; sleepMs: number}, ctx: JobContext): Promise<void> {
    const overlapped = running.has(payload.key)
    running.add(payload.key)
    await new Promise((resolve) => setTimeout(resolve, payload.sleepMs))
    running.delete(payload.key)
    appendFileSync(${JSON.stringify(path.join(app.root, 'keyed.ndjson'))}, JSON.stringify({queue: ctx.queue, ...payload, overlapped}) + '\\n')
  }
}
`,
    )
  })

  after(() => app.remove())

  async function dispatchMany(job: string, payloads: unknown[], queue: string, extra: string[] = []): Promise<void> {
    const input = payloads.map((payload) => JSON.stringify(payload)).join('\n')
    const {code, stderr} = await kq(['dispatch', job, '--ndjson', '-', '--queue', queue, ...extra], {cwd: app.root, input})
    assert.equal(code, 0, stderr)
  }

  const work = (args: string[], timeoutMs = 100_000) => kq(['work', ...args], {cwd: app.root, timeoutMs})
  const done = (entries: LedgerEntry[], tag?: string) => entries.filter((entry) => entry.event === 'done' && (tag === undefined || entry.tag === tag))

  it('runs jobs fetched after a slow one while it runs: nothing waits for the rest of its batch', async () => {
    const {queue, group} = await createWorkedQueue('engine-slow')
    await dispatchMany('Sleeps', [{tag: 'slow', sleepMs: 6000}], queue)
    const worker = work([queue, '--group', group, '--concurrency', '10', '--stop-when-empty'])
    await until(() => app.ledger(queue).some((entry) => entry.tag === 'slow'), 30_000, 'the slow job to start')
    // Dispatched after the slow job was fetched: a worker that fetches only once its batch is
    // done would run none of these before the slow job ends.
    await dispatchMany('Sleeps', Array.from({length: 100}, (_, index): TestPayload => ({tag: `fast-${index}`, sleepMs: 10})), queue)
    const {code, stderr} = await worker
    assert.equal(code, 0, stderr)

    const entries = app.ledger(queue)
    const [slowDone] = done(entries, 'slow')
    const fastDone = done(entries).filter((entry) => entry.tag !== 'slow')
    assert.equal(fastDone.length, 100)
    const whileSlowRan = fastDone.filter((entry) => entry.at < slowDone.at).length
    assert.equal(whileSlowRan, 100, `only ${whileSlowRan} of 100 fast jobs finished while the slow one ran`)
  })

  it('runs the jobs of one key one at a time in dispatch order, other keys side by side', async () => {
    const {queue, group} = await createWorkedQueue('engine-keys', 2)
    const payloads = Array.from({length: 240}, (_, seq) => ({key: `k${seq % 6}`, seq, sleepMs: (seq * 7) % 13}))
    await dispatchMany('Keyed', payloads, queue, ['--key-field', 'key'])
    const {code, stderr} = await work([queue, '--group', group, '--concurrency', '24', '--stop-when-empty'])
    assert.equal(code, 0, stderr)

    const lines = readFileSync(path.join(app.root, 'keyed.ndjson'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as {queue: string; key: string; seq: number; overlapped: boolean})
      .filter((line) => line.queue === queue)
    assert.equal(lines.length, 240)
    assert.deepEqual(lines.filter((line) => line.overlapped), [], 'two jobs of one key ran at once')
    for (const key of new Set(lines.map((line) => line.key))) {
      const order = lines.filter((line) => line.key === key).map((line) => line.seq)
      assert.deepEqual(order, [...order].sort((a, b) => a - b), `key ${key} ran out of order`)
    }
  })

  it('works the earliest queue first: a job dispatched to it runs before a later queue’s backlog', async () => {
    const {queue: high, group} = await createWorkedQueue('engine-high')
    const {queue: low} = await createWorkedQueue('engine-low', 1, group)
    await dispatchMany('Sleeps', Array.from({length: 1500}, (_, index) => ({tag: `low-${index}`, sleepMs: 2})), low)
    const worker = work([`--queue=${high},${low}`, '--group', group, '--stop-when-empty'])
    await until(() => done(app.ledger(low)).length >= 50, 60_000, 'the low backlog to be under way')
    await dispatchMany('Sleeps', [{tag: 'urgent-1'}, {tag: 'urgent-2'}, {tag: 'urgent-3'}], high)
    const {code, stderr} = await worker
    assert.equal(code, 0, stderr)

    const urgentDone = done(app.ledger(high)).map((entry) => entry.at)
    assert.equal(urgentDone.length, 3)
    const lowDone = done(app.ledger(low))
    assert.equal(lowDone.length, 1500)
    const lowAfterUrgent = lowDone.filter((entry) => entry.at > Math.max(...urgentDone)).length
    assert.ok(lowAfterUrgent > 500, `the urgent jobs ran after ${1500 - lowAfterUrgent} of 1500 low jobs`)
  })

  it('works the earliest queue first from a worker\'s first fetch, though a later queue\'s partitions came first', async () => {
    const {queue: high, group} = await createWorkedQueue('engine-first-high')
    const {queue: low} = await createWorkedQueue('engine-first-low', 3, group)
    // Each round a new worker joins with a job waiting on each queue. Its partitions load and
    // are fetched one by one, the three of low before high's in many of them.
    for (let round = 1; round <= 3; round++) {
      await dispatchMany('Sleeps', [0, 1, 2].map((index): TestPayload => ({tag: `low-${round}-${index}`, sleepMs: 50})), low)
      await dispatchMany('Sleeps', [{tag: `high-${round}`, sleepMs: 50}], high)
      const {code, stderr} = await work([`--queue=${high},${low}`, '--group', group, '--concurrency', '1', '--stop-when-empty'])
      assert.equal(code, 0, stderr)
      const runs = [...app.ledger(high), ...app.ledger(low)].filter((entry) => entry.event === 'run' && (entry.tag === `high-${round}` || entry.tag?.startsWith(`low-${round}-`) === true))
      const first = runs.sort((a, b) => a.at - b.at)[0]
      assert.equal(first?.tag, `high-${round}`, `round ${round}: ${runs.map((entry) => entry.tag).join(', ')} ran in this order`)
    }
  })

  it('loses nothing when killed -9 again and again, and re-runs no more than what was in flight', async function () {
    this.timeout(240_000)
    const {queue, group} = await createWorkedQueue('engine-kill', 2)
    const total = 3000
    const ledger = path.join(app.root, `kill-${queue}.ledger`)
    writeFileSync(ledger, '')
    app.writeJob(
      'Counted',
      `import {appendFileSync} from 'node:fs'
import {Job, type JobContext} from 'kq'

export default class Counted extends Job<{ms: number}> {
  override async handle(payload: {ms: number}, ctx: JobContext): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, payload.ms))
    appendFileSync(process.env.LEDGER as string, ctx.id + '\\n')
  }
}
`,
    )
    await dispatchMany('Counted', Array.from({length: total}, (_, index) => ({ms: index % 50 === 0 ? 300 : 5})), queue)
    const ran = () => readFileSync(ledger, 'utf8').split('\n').filter((line) => line !== '')
    // KILLS and CONCURRENCY let the same test measure other settings (see README: benchmarks).
    const concurrency = Number(process.env.CONCURRENCY ?? 8)
    const args = ['work', queue, '--group', group, '--concurrency', String(concurrency), '--session-timeout', '6']
    const kills = Number(process.env.KILLS ?? 4)
    for (let kill = 1; kill <= kills; kill++) {
      const before = ran().length
      const worker = startKq(args, {cwd: app.root, env: {LEDGER: ledger}})
      // Each worker lives long enough that committing on an interval would re-run most of its
      // jobs, while committing as jobs finish re-runs a fraction.
      await until(() => ran().length >= before + 500, 60_000, `jobs to run before kill ${kill}`)
      worker.child.kill('SIGKILL')
      await worker.exited
    }

    const {code, stderr} = await kq([...args, '--stop-when-empty'], {cwd: app.root, env: {LEDGER: ledger}, timeoutMs: 100_000})
    assert.equal(code, 0, stderr)
    const ids = ran()
    const unique = new Set(ids)
    assert.equal(unique.size, total, `${total - unique.size} jobs never ran`)
    const again = ids.length - unique.size
    process.stdout.write(`      ${kills} kills at concurrency ${concurrency}: ${again} re-runs (${(again / kills).toFixed(1)} per kill)\n`)
    // What may run again is what was running, plus what finished while the last commit was on
    // its way, and the next one it waited for: two round trips, some tens of jobs on an idle
    // machine, over a hundred on a loaded one. Committing on an interval instead would re-run a
    // whole interval's jobs: most of a worker's 500 here.
    assert.ok(again <= kills * (concurrency + 200), `${again} jobs ran twice after ${kills} kills`)
    for (const {committed, end} of await groupProgress(group, queue)) assert.equal(committed, end)
  })

  it('never commits past a job still running, though jobs after it finished', async () => {
    const {queue, group} = await createWorkedQueue('engine-watermark')
    await dispatchMany('Sleeps', [{tag: 'slow', sleepMs: 4000}, ...Array.from({length: 20}, (_, index) => ({tag: `f${index}`, sleepMs: 1}))], queue)
    const worker = work([queue, '--group', group, '--concurrency', '4', '--stop-when-empty'])
    await until(() => done(app.ledger(queue)).length >= 20, 30_000, 'the fast jobs to finish')
    // The slow job at offset 0 holds the watermark: nothing past it may be committed yet.
    await sleep(300)
    const [during] = await groupProgress(group, queue)
    assert.ok(during.committed <= 0, `committed ${during.committed} while offset 0 was still running`)
    const {code, stderr} = await worker
    assert.equal(code, 0, stderr)
    const [after] = await groupProgress(group, queue)
    assert.equal(after.committed, 21)
  })
})
