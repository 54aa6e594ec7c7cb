import {strict as assert} from 'node:assert'
import {execFile} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {loadConfig} from '../../../src/lib/config/index.js'
import {ConfigError} from '../../../src/lib/errors.js'
import {type WorkerEvents} from '../../../src/lib/worker/events.js'
import {Worker} from '../../../src/lib/worker/worker.js'
import {kq} from '../../support/cli.js'
import {kcat} from '../../support/kcat.js'
import {testBrokers} from '../../support/topics.js'
import {type WorkerApp, createWorkedQueue, makeWorkerApp} from '../../support/worker.js'

describe('Worker (library)', function () {
  this.timeout(60_000)
  let app: WorkerApp

  before(() => {
    app = makeWorkerApp()
  })

  after(() => app.remove())

  async function dispatch(job: string, payload: unknown, queue: string): Promise<string> {
    const {code, stdout, stderr} = await kq(['dispatch', job, JSON.stringify(payload), '--queue', queue, '--json'], {cwd: app.root})
    assert.equal(code, 0, stderr)
    return (JSON.parse(stdout) as {id: string}).id
  }

  it('works a queue in this process, emits typed events, and resolves run() with a summary', async () => {
    const {queue, group} = await createWorkedQueue('lib-worker')
    const ok = await dispatch('Succeeds', {tag: 'ok'}, queue)
    const doomed = await dispatch('Fatal', {tag: 'doomed'}, queue)

    const config = loadConfig({env: {...process.env, KQ_JOBS_DIR: app.jobsDir}})
    const worker = new Worker(config, {queues: [queue], group, stopWhenEmpty: true})
    assert.equal(worker.options.tries, 1)
    assert.equal(worker.options.concurrency, 1)
    const seen: string[] = []
    const done: Array<WorkerEvents['job:done']> = []
    const failed: Array<WorkerEvents['job:failed']> = []
    let started: WorkerEvents['started'] | undefined
    let stopped: WorkerEvents['stopped'] | undefined
    for (const event of ['started', 'assigned', 'job:running', 'job:done', 'job:failed', 'stopping', 'stopped'] as const) {
      worker.on(event, () => seen.push(event))
    }

    worker.on('started', (event) => {
      started = event
    })
    worker.on('job:done', (event) => done.push(event))
    worker.on('job:failed', (event) => failed.push(event))
    worker.on('stopped', (summary) => {
      stopped = summary
    })

    const summary = await worker.run()

    assert.deepEqual({...summary, seconds: undefined}, {processed: 1, failed: 1, deadLettered: 1, skipped: 0, released: 0, seconds: undefined, reason: 'empty', exitCode: 0})
    assert.ok(summary.seconds > 0)
    assert.deepEqual(stopped, summary)
    assert.deepEqual(started?.queues, [queue])
    assert.deepEqual(started?.topics, [queue, `${queue}-retry`])
    assert.equal(started?.group, group)
    assert.match(started?.worker ?? '', new RegExp(`:${process.pid}$`))
    assert.deepEqual(seen, ['started', 'assigned', 'job:running', 'job:done', 'job:running', 'job:failed', 'stopping', 'stopped'])
    assert.deepEqual(done.map(({job, id, attempt, maxTries, queue: from, topic, partition, offset}) => ({job, id, attempt, maxTries, from, topic, partition, offset})), [
      {job: 'Succeeds', id: ok, attempt: 1, maxTries: 1, from: queue, topic: queue, partition: 0, offset: 0},
    ])
    assert.ok(Number.isFinite(done[0].durationMs), 'job:done says how long the job ran')
    assert.equal(failed.length, 1)
    assert.deepEqual({...failed[0], durationMs: undefined}, {
      job: 'Fatal',
      id: doomed,
      attempt: 1,
      maxTries: 5,
      queue,
      topic: queue,
      partition: 0,
      offset: 1,
      durationMs: undefined,
      error: {name: 'FatalJobError', message: 'card declined'},
      action: 'dead-letter',
      reason: 'fatal',
    })
    assert.deepEqual(app.ledger(queue).map((entry) => `${entry.tag} ${entry.event}`), ['ok run', 'ok done', 'doomed run', 'doomed failed'])
  })

  it('with stopWhenEmpty, stops once only jobs it does not know are left, saying which, without waiting out their grace', async () => {
    const {queue, group} = await createWorkedQueue('lib-unknown-left')
    const envelope = {kq: 1, id: '01a21949-9dbf-7dcc-8fa1-23b7278476ab', job: 'DeployedLater', queue, attempt: 1, dispatchedAt: '2026-11-26T17:30:01.123Z', payload: {}}
    await kcat(['-b', testBrokers(), '-P', '-t', queue], `${JSON.stringify(envelope)}\n`)
    await dispatch('Succeeds', {tag: 'known'}, queue)

    const config = loadConfig({env: {...process.env, KQ_JOBS_DIR: app.jobsDir}})
    // The default grace, 300s: waiting it out would outlast this test's timeout.
    const worker = new Worker(config, {queues: [queue], group, stopWhenEmpty: true})
    const warnings: string[] = []
    worker.on('warning', ({message}) => warnings.push(message))
    const summary = await worker.run()

    assert.equal(summary.reason, 'empty')
    assert.deepEqual({processed: summary.processed, failed: summary.failed, deadLettered: summary.deadLettered}, {processed: 1, failed: 1, deadLettered: 0})
    assert.deepEqual(warnings, [
      `left 1 job this worker does not know (DeployedLater) waiting on ${queue}-delay-10s: a worker that has its code runs it; ` +
        'one that has not dead-letters it as unknown-job once --unknown-job-grace (300s) has passed since it first failed',
    ])
  })

  it('leaves nothing running when stopped while still connecting, so its process exits', async () => {
    const {queue, group} = await createWorkedQueue('lib-early-stop')
    const script = path.join(app.root, 'early-stop.mjs')
    writeFileSync(
      script,
      `import {Worker, loadConfig} from 'kq'

const worker = new Worker(loadConfig(), {queues: [${JSON.stringify(queue)}], group: ${JSON.stringify(group)}})
worker.on('started', () => console.log('started'))
const running = worker.run()
const stopped = await worker.stop()
const summary = await running
console.log(JSON.stringify({stopped: stopped.reason, ran: summary.reason}))
`,
    )
    // Were a consumer left behind, it would keep the event loop, and so the process, alive.
    const {code, stdout, stderr} = await new Promise<{code: number; stdout: string; stderr: string}>((resolve) => {
      execFile(process.execPath, [script], {cwd: app.root, timeout: 20_000}, (error, out, err) => {
        resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: out, stderr: err})
      })
    })
    assert.equal(code, 0, `${stdout}${stderr}`)
    assert.equal(stdout, '{"stopped":"signal","ran":"signal"}\n')
  })

  it('refuses a jobs folder named on purpose that does not exist, as kq work does, and only warns of the default one', async () => {
    const {queue, group} = await createWorkedQueue('lib-jobs-dir')
    const named = new Worker(loadConfig({cwd: app.root, env: {...process.env, KQ_JOBS_DIR: 'src/jbos'}}), {queues: [queue], group})
    await assert.rejects(named.run(), (error: Error) => {
      assert.ok(error instanceof ConfigError, String(error))
      assert.match(error.message, /^the jobs folder \S*src\/jbos does not exist: set KQ_JOBS_DIR or --jobs-dir to the folder of your job classes$/)
      return true
    })

    const empty = mkdtempSync(path.join(os.tmpdir(), 'kq-no-jobs-'))
    try {
      const env = {...process.env}
      delete env.KQ_JOBS_DIR
      const byDefault = new Worker(loadConfig({cwd: empty, env}), {queues: [queue], group})
      const warnings: string[] = []
      byDefault.on('warning', ({message}) => {
        warnings.push(message)
        void byDefault.stop()
      })
      assert.equal((await byDefault.run()).reason, 'signal')
      assert.match(warnings[0] ?? '', /^no jobs in .*src\/jobs \(KQ_JOBS_DIR\)/)
    } finally {
      rmSync(empty, {recursive: true, force: true})
    }
  })

  it('resolves stop() with the summary, and a second stop() with the same one', async () => {
    const {queue, group} = await createWorkedQueue('lib-stop')
    const config = loadConfig({env: {...process.env, KQ_JOBS_DIR: app.jobsDir}})
    const worker = new Worker(config, {queues: [queue], group})
    const running = worker.run()
    await new Promise<void>((resolve) => {
      worker.on('assigned', () => resolve())
    })
    const [first, second] = await Promise.all([worker.stop(), worker.stop('max-time')])
    const summary = await running
    assert.equal(summary.reason, 'signal')
    assert.equal(summary.exitCode, 0)
    assert.deepEqual(first, summary)
    assert.deepEqual(second, summary)
  })
})
