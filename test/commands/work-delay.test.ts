import {strict as assert} from 'node:assert'

import {kq} from '../support/cli.js'
import {kcatRecords} from '../support/topics.js'
import {type LedgerEntry, type TestPayload, type WorkerApp, createWorkedQueue, groupProgress, makeWorkerApp} from '../support/worker.js'

interface Receipt {
  id: string
  topic: string
  dueAt?: string
}

/** Delayed jobs and retries on the delay ladder, worked by real workers on a real broker. */
describe('kq work: delayed jobs and the delay ladder', function () {
  this.timeout(120_000)
  let app: WorkerApp

  before(() => {
    app = makeWorkerApp()
    // Fail their first attempt; retried after a long and a short backoff.
    for (const [name, backoff] of [
      ['SlowRetry', 12],
      ['QuickRetry', 1],
    ] as const) {
      app.writeJob(
        name,
        `import {appendFileSync} from 'node:fs'
import {Job, type JobContext} from 'kq'

export default class ${name} extends Job<{tag: string}> {
  override tries = 2
  override backoff = ${backoff}
  override async handle(payload: {tag: string}, ctx: JobContext): Promise<void> {
    appendFileSync(${JSON.stringify(`${app.root}/ledger.ndjson`)}, JSON.stringify({event: 'run', queue: ctx.queue, job: ctx.job, id: ctx.id, attempt: ctx.attempt, tag: payload.tag, at: Date.now()}) + '\\n')
    if (ctx.attempt === 1) throw new Error('first attempt fails')
  }
}
`,
      )
    }
  })

  after(() => app.remove())

  async function dispatch(job: string, payload: TestPayload, queue: string, extra: string[] = []): Promise<Receipt> {
    const {code, stdout, stderr} = await kq(['dispatch', job, JSON.stringify(payload), '--queue', queue, '--json', ...extra], {cwd: app.root})
    assert.equal(code, 0, stderr)
    return JSON.parse(stdout) as Receipt
  }

  const work = (args: string[]) => kq(['work', ...args], {cwd: app.root, timeoutMs: 100_000})
  const runs = (queue: string): LedgerEntry[] => app.ledger(queue).filter((entry) => entry.event === 'run')
  /** When a `work --json` run was given its partitions, in ms since the epoch. */
  const assignedAt = (stdout: string): number => {
    const assigned = stdout.split('\n').find((line) => line.includes('"event":"assigned"'))
    const at = Date.parse((JSON.parse(assigned ?? '{}') as {time?: string}).time ?? '')
    assert.ok(Number.isFinite(at), `no assigned event with its time in:\n${stdout}`)
    return at
  }

  it('starts a delayed job no earlier than its due time, and once', async () => {
    const {queue, group} = await createWorkedQueue('delay-due')
    const receipt = await dispatch('Succeeds', {tag: 'later'}, queue, ['--delay', '3'])
    assert.equal(receipt.topic, `${queue}-delay-1s`)
    await dispatch('Succeeds', {tag: 'now'}, queue)
    const {code, stdout, stderr} = await work([queue, '--group', group, '--stop-when-empty', '--json'])
    assert.equal(code, 0, stderr)

    const [later, ...again] = runs(queue).filter((entry) => entry.tag === 'later')
    assert.deepEqual(again, [], 'the delayed job ran more than once')
    const dueAt = Date.parse(receipt.dueAt as string)
    const lateBy = later.at - dueAt
    assert.ok(lateBy >= 0, `ran ${-lateBy} ms before its due time`)
    process.stdout.write(`      started ${lateBy} ms after its due time\n`)
    // A worker that joined well before the due time ran the job without a delay first. One that a
    // loaded machine started after it found both due, in no order to expect.
    if (assignedAt(stdout) < dueAt - 1000) {
      assert.deepEqual(
        runs(queue).map((entry) => entry.tag),
        ['now', 'later'],
      )
    }
    for (const {committed, end} of await groupProgress(group, `${queue}-delay-1s`)) assert.equal(committed, end)
  })

  it('hops a longer delay down the ladder, marking each hop as its group’s, and runs it once at its time', async () => {
    const {queue, group} = await createWorkedQueue('delay-hops')
    const receipt = await dispatch('Succeeds', {tag: 'hop'}, queue, ['--delay', '12'])
    assert.equal(receipt.topic, `${queue}-delay-10s`)
    const {code, stdout, stderr} = await work([queue, '--group', group, '--stop-when-empty', '--json'])
    assert.equal(code, 0, stderr)

    const ran = runs(queue)
    assert.equal(ran.length, 1)
    const dueAt = Date.parse(receipt.dueAt as string)
    assert.ok(ran[0].at >= dueAt, 'ran before its due time')
    // After its 10 s on the first rung, about 2 s were left: a hop to the 1 s rung. A worker that
    // a loaded machine started within a second or so of the due time holds the job instead.
    const hops = await kcatRecords(`${queue}-delay-1s`)
    if (assignedAt(stdout) < dueAt - 3000) assert.ok(hops.length >= 1, 'no hop to the 1 s rung')
    for (const hop of hops) {
      assert.equal(hop.headers['kq-job-id'], receipt.id)
      assert.equal(hop.headers['kq-not-before'], receipt.dueAt)
      assert.equal(hop.headers['kq-consumer-group'], group)
    }
  })

  it('runs a retry with a short backoff before an earlier one with a long backoff', async () => {
    const {queue, group} = await createWorkedQueue('delay-retries')
    await dispatch('SlowRetry', {tag: 'slow'}, queue)
    await dispatch('QuickRetry', {tag: 'quick'}, queue)
    const {code, stderr} = await work([queue, '--group', group, '--stop-when-empty'])
    assert.equal(code, 0, stderr)

    const order = runs(queue).map((entry) => `${entry.tag}${entry.attempt}`)
    assert.deepEqual(order, ['slow1', 'quick1', 'quick2', 'slow2'])
    const [slow1, , quick2, slow2] = runs(queue)
    assert.ok(slow2.at - slow1.at >= 12_000, 'the long retry ran before its backoff')
    assert.ok(quick2.at < slow1.at + 12_000, 'the short retry waited behind the long one')
    const retries = await kcatRecords(`${queue}-retry`)
    assert.deepEqual(retries, [], 'backoffs of a second or more wait on the ladder, not the retry topic')
  })

  it('runs a delayed job once per group when two groups work one queue', async () => {
    const {queue, group} = await createWorkedQueue('delay-groups')
    const {group: other} = await createWorkedQueue('delay-groups-other')
    await kq(['topic:create', queue, '--group', other], {cwd: app.root})
    const receipt = await dispatch('Succeeds', {tag: 'both'}, queue, ['--delay', '2'])
    const results = await Promise.all([
      work([queue, '--group', group, '--stop-when-empty']),
      work([queue, '--group', other, '--stop-when-empty']),
    ])
    for (const {code, stderr} of results) assert.equal(code, 0, stderr)

    const ran = runs(queue).filter((entry) => entry.id === receipt.id)
    assert.equal(ran.length, 2, `ran ${ran.length} times for two groups`)
  })
})
