import {strict as assert} from 'node:assert'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {type TestApp, makeTestApp} from '../support/app.js'
import {kq, runKq, startKq, uniqueTopic} from '../support/cli.js'
import {kcatRecords} from '../support/topics.js'
import {until} from '../support/worker.js'

/** Appends `<queue> <id>` to the file named by LEDGER: what each worker process ran. */
const RECORDED_JOB = `import {appendFileSync} from 'node:fs'
import {Job, type JobContext} from 'kq'

export default class Recorded extends Job {
  override async handle(_payload: unknown, ctx: JobContext): Promise<void> {
    appendFileSync(process.env.LEDGER as string, \`\${ctx.queue} \${ctx.id}\\n\`)
  }
}
`

type KqProcess = ReturnType<typeof startKq>

describe('kq work: workers of different queues in one group', function () {
  this.timeout(180_000)
  let app: TestApp
  const running: KqProcess[] = []

  before(() => {
    app = makeTestApp({jobs: {Recorded: RECORDED_JOB}})
  })

  afterEach(async () => {
    // A failed test must not leave a worker behind in the group.
    for (const worker of running.splice(0)) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL')
      await worker.exited
    }
  })

  after(() => app?.remove())

  function startWorker(queue: string, group: string, ledger: string): KqProcess {
    const worker = startKq(['work', queue, '--group', group, '--json'], {cwd: app.root, env: {LEDGER: ledger}})
    running.push(worker)
    return worker
  }

  /** A queue of `partitions` partitions whose offsets in `group` start at its beginning. */
  async function newQueue(prefix: string, group: string, partitions: number): Promise<string> {
    const queue = uniqueTopic(prefix)
    const {code, stderr} = await runKq(['topic:create', queue, '--group', group, '--partitions', String(partitions)])
    assert.equal(code, 0, stderr)
    return queue
  }

  /** Dispatches `count` Recorded jobs with keys spread over every partition; returns their ids. */
  async function dispatchMany(queue: string, count: number): Promise<string[]> {
    const input = Array.from({length: count}, (_, seq) => JSON.stringify({user: `u${seq}`})).join('\n')
    const {code, stderr} = await kq(['dispatch', 'Recorded', '--ndjson', '-', '--queue', queue, '--key-field', 'user'], {cwd: app.root, input})
    assert.equal(code, 0, stderr)
    return (await kcatRecords(queue)).map((record) => JSON.parse(record.payload).id as string)
  }

  function ledgerOf(file: string): Array<{queue: string; id: string}> {
    if (!existsSync(file)) return []
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [queue, id] = line.split(' ')
        return {queue, id}
      })
  }

  /** A worker's output without its job lines: what it subscribed to and was given. */
  function groupEvents(worker: KqProcess): string {
    return worker
      .stdout()
      .split('\n')
      .filter((line) => !line.startsWith('{"event":"job:'))
      .join('\n')
  }

  it("runs every job of both queues, each on its own queue's worker", async () => {
    const group = uniqueTopic('two-queues')
    const qa = await newQueue('qa', group, 3)
    const qb = await newQueue('qb', group, 3)
    const jobsOfA = await dispatchMany(qa, 30)
    const jobsOfB = await dispatchMany(qb, 30)
    const ledgerA = path.join(app.root, `${uniqueTopic('ledger-a')}.log`)
    const ledgerB = path.join(app.root, `${uniqueTopic('ledger-b')}.log`)

    // The first worker leads the group; the second joins it, and the group deals out again.
    const workerA = startWorker(qa, group, ledgerA)
    await until(() => workerA.stdout().includes('"event":"assigned"'), 60_000, "the first worker's assignment")
    const workerB = startWorker(qb, group, ledgerB)

    const ranAll = (ledger: string, ids: string[]) => new Set(ledgerOf(ledger).map((entry) => entry.id)).size >= ids.length
    await until(() => ranAll(ledgerA, jobsOfA) && ranAll(ledgerB, jobsOfB), 90_000, 'every job of both queues to run').catch(
      (error: Error) => {
        const ran = `${qa}: ${ledgerOf(ledgerA).length} of ${jobsOfA.length}, ${qb}: ${ledgerOf(ledgerB).length} of ${jobsOfB.length}`
        throw new Error(`${error.message} (${ran})\n--- ${qa} worker\n${groupEvents(workerA)}\n--- ${qb} worker\n${groupEvents(workerB)}`)
      },
    )
    workerA.child.kill('SIGTERM')
    workerB.child.kill('SIGTERM')
    assert.equal(await workerA.exited, 0)
    assert.equal(await workerB.exited, 0)

    const ranA = ledgerOf(ledgerA)
    const ranB = ledgerOf(ledgerB)
    assert.deepEqual(new Set(ranA.map((entry) => entry.id)), new Set(jobsOfA))
    assert.deepEqual(new Set(ranB.map((entry) => entry.id)), new Set(jobsOfB))
    assert.deepEqual(new Set(ranA.map((entry) => entry.queue)), new Set([qa]))
    assert.deepEqual(new Set(ranB.map((entry) => entry.queue)), new Set([qb]))
  })
})
