import {strict as assert} from 'node:assert'
import {writeFileSync} from 'node:fs'
import path from 'node:path'

import {kq, startKq, uniqueTopic} from '../support/cli.js'
import {endOffsetTotal} from '../support/topics.js'
import {type TestPayload, type WorkerApp, createWorkedQueue, groupProgress, makeWorkerApp, until} from '../support/worker.js'

describe('kq restart', function () {
  this.timeout(120_000)
  let app: WorkerApp
  // A control topic of this file's own: a restart here must not stop another file's workers.
  const env = {KQ_CONTROL_TOPIC: uniqueTopic('control')}

  before(() => {
    app = makeWorkerApp()
  })

  after(() => app.remove())

  async function dispatch(job: string, payload: TestPayload, queue: string): Promise<void> {
    const {code, stderr} = await kq(['dispatch', job, JSON.stringify(payload), '--queue', queue], {cwd: app.root, env})
    assert.equal(code, 0, stderr)
  }

  const work = (args: string[]) => startKq(['work', ...args], {cwd: app.root, env})

  it('makes a running worker finish its running job, commit it and exit 0; the job behind it waits for the next worker', async () => {
    const {queue, group} = await createWorkedQueue('restart')
    const release = path.join(app.root, `release-${queue}`)
    await dispatch('WaitsForRelease', {tag: 'long', releaseFile: release}, queue)
    await dispatch('Succeeds', {tag: 'behind'}, queue)
    const worker = work([queue, '--group', group, '--concurrency', '1'])
    await until(() => app.ledger(queue).some((entry) => entry.tag === 'long' && entry.event === 'run'), 60_000, 'the long job to start')

    const asked = await kq(['restart', '--json'], {env})
    // With --json a refusal is on stdout: both are shown if it fails.
    assert.equal(asked.code, 0, `${asked.stderr}${asked.stdout}`)
    assert.equal((JSON.parse(asked.stdout) as {action: string}).action, 'restart')
    // The long job ends only once the worker has the restart: however slow the machine, the job
    // behind it must not start.
    await until(() => /Restart asked by/.test(worker.stdout()), 60_000, 'the worker to read the restart')
    writeFileSync(release, '')
    assert.equal(await worker.exited, 0, worker.stdout())
    assert.match(worker.stdout(), /Restart asked by \S+ at /)
    assert.match(worker.stdout(), /Stopping \(kq restart: a process manager starts it again\): running jobs finish first\./)

    // The running job finished and was committed; the one behind it neither ran nor was committed.
    const ran = app.ledger(queue)
    assert.deepEqual(ran.filter((entry) => entry.tag === 'long').map((entry) => entry.event), ['run', 'done'])
    assert.equal(ran.filter((entry) => entry.tag === 'behind').length, 0)
    assert.deepEqual(await groupProgress(group, queue), [{partition: 0, committed: 1, end: 2}])

    // A worker started after the restart keeps running: it works the job left, and the next.
    const next = work([queue, '--group', group])
    await until(() => app.ledger(queue).some((entry) => entry.tag === 'behind' && entry.event === 'done'), 60_000, 'the job left to run')
    // A pause and continue prove it has read the control topic past the restart since.
    assert.equal((await kq(['pause', queue], {env})).code, 0)
    assert.equal((await kq(['continue', queue], {env})).code, 0)
    await until(() => /Queue \S+ continues/.test(next.stdout()), 60_000, 'the worker to see continue')
    await dispatch('Succeeds', {tag: 'after'}, queue)
    await until(() => app.ledger(queue).some((entry) => entry.tag === 'after' && entry.event === 'done'), 60_000, 'a job after the restart')
    next.child.kill('SIGTERM')
    assert.equal(await next.exited, 0)
    assert.equal(app.ledger(queue).filter((entry) => entry.event === 'run').length, 3)
  })

  it('answers a broker that is down with one line and a non-zero exit, writing nothing', async () => {
    const before = await endOffsetTotal(env.KQ_CONTROL_TOPIC)
    const {code, stdout, stderr} = await kq(['queue:restart', '--brokers', '127.0.0.1:1'], {env: {...env, KAFKA_CONNECT_TIMEOUT: '2'}})
    assert.notEqual(code, 0)
    assert.equal(stdout, '')
    assert.equal(stderr.trim().split('\n').length, 1, stderr)
    assert.match(stderr, /127\.0\.0\.1:1/)
    assert.equal(await endOffsetTotal(env.KQ_CONTROL_TOPIC), before)
  })
})
