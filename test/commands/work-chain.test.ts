import {strict as assert} from 'node:assert'
import {execFile} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {type TestApp, makeTestApp} from '../support/app.js'
import {kq, startKq} from '../support/cli.js'
import {kcatRecords} from '../support/topics.js'
import {createWorkedQueue, until} from '../support/worker.js'

interface Entry {
  job: string
  attempt: number
  payload: Record<string, unknown>
  /** Step jobs only: `run` when started, `done` when succeeded. */
  event?: 'run' | 'done'
}

/** A JavaScript job that notes its runs in the ledger and, when `fails`, throws. */
function ledgerJob(name: string, ledger: string, options: {fails?: boolean} = {}): string {
  return `import {appendFileSync} from 'node:fs'
import {Job} from 'kq'

export default class ${name} extends Job {
  tries = 1
  async handle(payload, ctx) {
    appendFileSync(${JSON.stringify(ledger)}, JSON.stringify({job: ctx.job, attempt: ctx.attempt, payload}) + '\\n')
    ${options.fails ? "throw new Error('the encoder crashed')" : ''}
  }
}
`
}

/** Chains dispatched from application code and worked by a real worker on a real broker. */
describe('kq work: chains', function () {
  this.timeout(120_000)
  let app: TestApp
  let ledger: string

  before(() => {
    app = makeTestApp()
    ledger = path.join(app.root, 'ledger.ndjson')
    for (const name of ['Transcode', 'Publish', 'ChainFailed']) app.writeJob(`${name}.js`, ledgerJob(name, ledger))
    app.writeJob('Encode.js', ledgerJob('Encode', ledger, {fails: true}))
    // A step that takes a while, and notes when it started and when it succeeded.
    app.writeJob(
      'Step.js',
      `import {appendFileSync} from 'node:fs'
import {Job} from 'kq'

export default class Step extends Job {
  async handle(payload, ctx) {
    const note = (event) => appendFileSync(${JSON.stringify(ledger)}, JSON.stringify({job: ctx.job, attempt: ctx.attempt, payload, event}) + '\\n')
    note('run')
    await new Promise((resolve) => setTimeout(resolve, 100))
    note('done')
  }
}
`,
    )
  })

  after(() => app.remove())

  const entries = (): Entry[] =>
    existsSync(ledger)
      ? readFileSync(ledger, 'utf8')
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as Entry)
      : []

  /** Dispatches `count` chains (the index of each is `i`) from a script of the application, run by plain Node. */
  async function dispatchChain(queue: string, steps: string, catchJob?: string, count = 1): Promise<{topic: string}> {
    const script = path.join(app.root, `chain-${queue}.mjs`)
    writeFileSync(
      script,
      `import {chain, closeDispatch} from 'kq'
${['Transcode', 'Publish', 'Encode', 'ChainFailed', 'Step'].map((name) => `import ${name} from './src/jobs/${name}.js'`).join('\n')}

let receipt
for (let i = 0; i < ${count}; i++) {
  const pending = chain([${steps}]).onQueue(${JSON.stringify(queue)})
  receipt = await ${catchJob ? `pending.catch(${catchJob})` : 'pending'}.dispatch()
}
console.log(JSON.stringify(receipt))
await closeDispatch()
`,
    )
    const {code, stdout, stderr} = await new Promise<{code: number; stdout: string; stderr: string}>((resolve) => {
      execFile(process.execPath, [script], {cwd: app.root, timeout: 30_000}, (error, out, err) => resolve({code: error ? 1 : 0, stdout: out, stderr: err}))
    })
    assert.equal(code, 0, stderr)
    return JSON.parse(stdout) as {topic: string}
  }

  async function work(queue: string, group: string): Promise<void> {
    const {code, stderr} = await kq(['work', queue, '--group', group, '--stop-when-empty'], {cwd: app.root, timeoutMs: 100_000})
    assert.equal(code, 0, stderr)
  }

  it('runs each job of a chain only after the one before it succeeded, in order, each once', async () => {
    const {queue, group} = await createWorkedQueue('chain-ok', 2)
    const receipt = await dispatchChain(queue, "Transcode.with({step: 1}), Publish.with({step: 2}), Transcode.with({step: 3})")
    assert.equal(receipt.topic, queue)
    // Only the first job is on the queue until a worker runs it.
    assert.equal((await kcatRecords(queue)).length, 1)

    await work(queue, group)
    assert.deepEqual(entries().filter((entry) => entry.payload.step !== undefined).map((entry) => `${entry.job} ${entry.payload.step} attempt ${entry.attempt}`), [
      'Transcode 1 attempt 1',
      'Publish 2 attempt 1',
      'Transcode 3 attempt 1',
    ])
    assert.equal((await kcatRecords(queue)).length, 3)
  })

  it('stops a chain at a job that fails for good, and dispatches its catch job with the failure', async () => {
    const {queue, group} = await createWorkedQueue('chain-fail')
    await dispatchChain(queue, "Transcode.with({film: 'a'}), Encode.with({film: 'b'}), Publish.with({film: 'c'})", 'ChainFailed')

    await work(queue, group)
    const ran = entries().filter((entry) => entry.payload.film !== undefined || entry.job === 'ChainFailed')
    assert.deepEqual(ran.map((entry) => entry.job), ['Transcode', 'Encode', 'ChainFailed'])
    const caught = ran[2].payload as {job: string; id: string; payload: unknown; error: {name: string; message: string}}
    assert.equal(caught.job, 'Encode')
    assert.deepEqual(caught.payload, {film: 'b'})
    assert.deepEqual(caught.error, {name: 'Error', message: 'the encoder crashed'})

    // The dead letter keeps the rest of the chain, so a replay would go on with it.
    const [letter] = await kcatRecords(`${queue}-dlt`)
    const envelope = JSON.parse(letter.payload) as {id: string; chain: Array<{job: string; payload: unknown}>}
    assert.equal(envelope.id, caught.id)
    assert.deepEqual(envelope.chain.map((step) => [step.job, step.payload]), [['Publish', {film: 'c'}]])
  })

  it('loses no job of a chain when a worker is killed mid-chain, and runs each after the one before it succeeded', async () => {
    const {queue, group} = await createWorkedQueue('chain-kill', 2)
    const chains = 12
    await dispatchChain(queue, 'Step.with({chain: i, step: 1}), Step.with({chain: i, step: 2}), Step.with({chain: i, step: 3})', undefined, chains)
    const steps = () => entries().filter((entry) => entry.job === 'Step')

    // Kafka's shortest session: the partitions of the killed worker move on sooner.
    const first = startKq(['work', queue, '--group', group, '--concurrency', '4', '--session-timeout', '6'], {cwd: app.root})
    await until(() => steps().length >= 2 * chains, 60_000, 'a part of the chains to run')
    first.child.kill('SIGKILL')
    await first.exited
    const doneWhenKilled = steps().filter((entry) => entry.event === 'done').length
    assert.ok(doneWhenKilled < 3 * chains, 'the killed worker had run every chain to its end')
    await work(queue, group)

    const ran = steps() as Array<Entry & {payload: {chain: number; step: number}}>
    for (let index = 0; index < chains; index++) {
      const mine = ran.filter((entry) => entry.payload.chain === index)
      for (const step of [1, 2, 3]) {
        assert.ok(mine.some((entry) => entry.payload.step === step && entry.event === 'done'), `step ${step} of chain ${index} never succeeded`)
      }

      // Each step first ran after the step before it had succeeded.
      for (const step of [2, 3]) {
        const started = mine.findIndex((entry) => entry.payload.step === step && entry.event === 'run')
        const previousDone = mine.findIndex((entry) => entry.payload.step === step - 1 && entry.event === 'done')
        assert.ok(previousDone !== -1 && previousDone < started, `step ${step} of chain ${index} ran before step ${step - 1} succeeded`)
      }
    }
  })
})
