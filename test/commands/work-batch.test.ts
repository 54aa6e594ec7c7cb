import {strict as assert} from 'node:assert'
import {execFile} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {endJobId} from '../../src/lib/batch/index.js'
import {encodeEnvelope, newJobId} from '../../src/lib/envelope/index.js'
import {openPublisher} from '../../src/lib/kafka/index.js'
import {endJobFollowUp} from '../../src/lib/worker/batch.js'
import {type TestApp, makeTestApp} from '../support/app.js'
import {kq, startKq, uniqueTopic} from '../support/cli.js'
import {testConnection} from '../support/topics.js'
import {createWorkedQueue, until} from '../support/worker.js'

interface Entry {
  job: string
  id: string
  attempt: number
  payload: Record<string, unknown>
}

interface BatchJson {
  id: string
  status: string
  total: number
  pending: number
  done: number
  failed: number
  finished?: {dispatched: string[]}
}

/**
 * A JavaScript job that notes each of its runs in the ledger, fsync'd so that a line is there
 * however the process ends afterwards; `sleepMs` in its payload makes it take that long,
 * `failOnce` fails its first try (a retry), `fail` makes it fail for good (two tries).
 */
function ledgerJob(name: string, ledger: string): string {
  return `import {fsyncSync, openSync, writeSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'
import {Job} from 'kq'

export default class ${name} extends Job {
  tries = 2
  backoff = [0.1]
  async handle(payload, ctx) {
    if (payload?.sleepMs) await sleep(payload.sleepMs)
    if (payload?.fail || (payload?.failOnce && ctx.attempt === 1)) throw new Error('the image is corrupt')
    const file = openSync(${JSON.stringify(ledger)}, 'a')
    writeSync(file, JSON.stringify({job: ctx.job, id: ctx.id, attempt: ctx.attempt, payload}) + '\\n')
    fsyncSync(file)
  }
}
`
}

const JOBS = ['Resize', 'AlbumReady', 'AlbumFailed', 'AlbumClosed']

/** Batches dispatched from application code and worked by real workers on a real broker. */
describe('kq work: batches', function () {
  this.timeout(180_000)
  let app: TestApp
  let ledger: string
  // A batch topic of this file's own: another file's batches are not listed here.
  const env = {KQ_BATCH_TOPIC: uniqueTopic('batches')}

  before(() => {
    app = makeTestApp()
    ledger = path.join(app.root, 'ledger.ndjson')
    for (const name of JOBS) app.writeJob(`${name}.js`, ledgerJob(name, ledger))
  })

  after(() => app.remove())

  const entries = (): Entry[] =>
    existsSync(ledger)
      ? readFileSync(ledger, 'utf8')
          .split('\n')
          .filter((line) => line.endsWith('}'))
          .map((line) => JSON.parse(line) as Entry)
      : []

  /** Dispatches a batch from a script of the application, run by plain Node; `jobs` and `calls` are its source. */
  async function dispatchBatch(queue: string, jobs: string, calls: string): Promise<{id: string; total: number; jobs: Array<{id: string}>}> {
    const script = path.join(app.root, `batch-${uniqueTopic('s')}.mjs`)
    writeFileSync(
      script,
      `import {batch, closeDispatch} from 'kq'
${JOBS.map((name) => `import ${name} from './src/jobs/${name}.js'`).join('\n')}

const receipt = await batch(${jobs}).onQueue(${JSON.stringify(queue)})${calls}.dispatch()
console.log(JSON.stringify(receipt))
await closeDispatch()
`,
    )
    const {code, stdout, stderr} = await new Promise<{code: number; stdout: string; stderr: string}>((resolve) => {
      execFile(process.execPath, [script], {cwd: app.root, timeout: 30_000, env: {...process.env, ...env}}, (error, out, err) =>
        resolve({code: error ? 1 : 0, stdout: out, stderr: err}),
      )
    })
    assert.equal(code, 0, stderr)
    return JSON.parse(stdout)
  }

  async function work(queue: string, group: string): Promise<void> {
    const {code, stderr} = await kq(['work', queue, '--group', group, '--stop-when-empty'], {cwd: app.root, env, timeoutMs: 150_000})
    assert.equal(code, 0, stderr)
  }

  async function show(id: string): Promise<BatchJson> {
    const {code, stdout, stderr} = await kq(['batch:show', id, '--json'], {cwd: app.root, env})
    assert.equal(code, 0, stderr)
    return JSON.parse(stdout) as BatchJson
  }

  it('runs every job of a batch, a retried one too, then its then and finally jobs once, and batch:show and batch:list say so', async () => {
    const {queue, group} = await createWorkedQueue('batch-ok', 2)
    const receipt = await dispatchBatch(queue, 'Array.from({length: 6}, (_, i) => Resize.with({image: i, failOnce: i === 0}))', ".name('album 1').then(AlbumReady).catch(AlbumFailed).finally(AlbumClosed)")
    assert.equal(receipt.total, 6)
    assert.equal((await show(receipt.id)).pending, 6)
    const status = await kq(['status', queue, '--group', group, '--sample', '0', '--json'], {cwd: app.root, env})
    assert.equal(status.code, 0, status.stderr)
    const running = (JSON.parse(status.stdout) as {batches: BatchJson[]}).batches.find((each) => each.id === receipt.id)
    assert.deepEqual([running?.status, running?.total, running?.pending], ['running', 6, 6])

    await work(queue, group)
    const ran = entries().filter((entry) => entry.job !== 'Resize' || receipt.jobs.some((job) => job.id === entry.id))
    assert.deepEqual(ran.filter((entry) => entry.job === 'Resize').map((entry) => entry.payload.image).sort(), [0, 1, 2, 3, 4, 5])
    assert.equal(ran.find((entry) => entry.payload.image === 0)?.attempt, 2, 'the job that failed once counted when its retry succeeded')
    const ends = ran.filter((entry) => entry.job !== 'Resize' && entry.payload.batch === receipt.id)
    assert.deepEqual(ends.map((entry) => entry.job), ['AlbumReady', 'AlbumClosed'])
    assert.deepEqual(ends[0].payload, {batch: receipt.id, name: 'album 1', total: 6, failed: 0, failedJobs: []})
    // then ran after every job of the batch had.
    assert.equal(ran.findIndex((entry) => entry.job === 'AlbumReady'), 6)

    const batch = await show(receipt.id)
    assert.deepEqual([batch.status, batch.total, batch.pending, batch.done, batch.failed], ['succeeded', 6, 0, 6, 0])
    assert.deepEqual(batch.finished?.dispatched, ['then', 'finally'])
    const list = await kq(['batch:list', '--json'], {cwd: app.root, env})
    assert.equal(list.code, 0, list.stderr)
    assert.ok((JSON.parse(list.stdout) as {batches: BatchJson[]}).batches.some((each) => each.id === receipt.id && each.status === 'succeeded'))
  })

  it('runs catch and finally for a batch with a job that failed for good; then and finally when failures are allowed', async () => {
    const {queue, group} = await createWorkedQueue('batch-fail')
    const jobs = '[Resize.with({image: 1}), Resize.with({image: 2, fail: true}), Resize.with({image: 3})]'
    const strict = await dispatchBatch(queue, jobs, '.then(AlbumReady).catch(AlbumFailed).finally(AlbumClosed)')
    const lenient = await dispatchBatch(queue, jobs, '.then(AlbumReady).catch(AlbumFailed).finally(AlbumClosed).allowFailures()')

    await work(queue, group)
    const endsOf = (id: string) => entries().filter((entry) => entry.payload.batch === id)
    assert.deepEqual(endsOf(strict.id).map((entry) => entry.job), ['AlbumFailed', 'AlbumClosed'])
    assert.deepEqual(endsOf(lenient.id).map((entry) => entry.job), ['AlbumReady', 'AlbumClosed'])
    const [failed] = endsOf(strict.id)
    assert.equal(failed.payload.failed, 1)
    assert.deepEqual(failed.payload.failedJobs, [{id: strict.jobs[1].id, job: 'Resize'}])
    const batch = await show(strict.id)
    assert.deepEqual([batch.status, batch.pending, batch.done, batch.failed], ['failed', 0, 2, 1])
  })

  it('runs then exactly once, and loses no job, when a worker is killed with kill -9 in the middle of a batch', async () => {
    const {queue, group} = await createWorkedQueue('batch-kill', 2)
    const total = 24
    const receipt = await dispatchBatch(queue, `Array.from({length: ${total}}, (_, i) => Resize.with({image: i, sleepMs: 150}))`, '.then(AlbumReady)')
    const resized = () => entries().filter((entry) => entry.job === 'Resize' && receipt.jobs.some((job) => job.id === entry.id))

    // Kafka's shortest session: the partitions of the killed worker move on sooner.
    const first = startKq(['work', queue, '--group', group, '--concurrency', '4', '--session-timeout', '6'], {cwd: app.root, env})
    await until(() => resized().length >= total / 2, 60_000, 'half of the batch to run')
    first.child.kill('SIGKILL')
    await first.exited
    assert.ok(resized().length < total, 'the killed worker had run the whole batch')
    await work(queue, group)

    assert.deepEqual(new Set(resized().map((entry) => entry.payload.image)), new Set(Array.from({length: total}, (_, i) => i)))
    assert.equal(entries().filter((entry) => entry.job === 'AlbumReady' && entry.payload.batch === receipt.id).length, 1)
    const batch = await show(receipt.id)
    assert.deepEqual([batch.status, batch.pending, batch.done], ['succeeded', 0, total])
  })

  it('runs an end job once when it is dispatched twice, as a worker killed between dispatching it and writing the finished record does', async () => {
    const {queue, group} = await createWorkedQueue('batch-twice', 3)
    const batchId = newJobId()
    const end = endJobFollowUp({role: 'then', job: 'AlbumReady', queue, id: endJobId(batchId, 'then'), payload: {batch: batchId, total: 1, failed: 0, failedJobs: []}})
    // Each copy made as the worker makes it: a new dispatch time, the same id, key and headers.
    const copy = () => {
      const {envelope, key, headers} = endJobFollowUp({role: 'then', job: 'AlbumReady', queue, id: end.envelope.id, payload: end.envelope.payload as never})
      const encoded = encodeEnvelope(envelope)
      return {key, value: encoded.value, headers: {...headers, ...encoded.headers}}
    }

    const publisher = await openPublisher(testConnection())
    try {
      const first = await publisher.send(queue, copy())
      const second = await publisher.send(queue, copy())
      assert.equal(second.partition, first.partition)
    } finally {
      await publisher.close()
    }

    const {code, stdout, stderr} = await kq(['work', queue, '--group', group, '--stop-when-empty', '--json'], {cwd: app.root, env, timeoutMs: 100_000})
    assert.equal(code, 0, stderr)
    assert.deepEqual(entries().filter((entry) => entry.payload.batch === batchId).map((entry) => entry.id), [end.envelope.id])
    const skipped = stdout.split('\n').filter((line) => line.includes('"job:skipped"')).map((line) => JSON.parse(line) as {id: string})
    assert.deepEqual(skipped.map((event) => event.id), [end.envelope.id])
  })

  it('lists no batches, and makes no topic, where no batch was ever dispatched', async () => {
    const fresh = {KQ_BATCH_TOPIC: uniqueTopic('batches')}
    const {code, stdout, stderr} = await kq(['batch:list'], {cwd: app.root, env: fresh})
    assert.equal(code, 0, stderr)
    assert.equal(stdout.trim(), 'No batches.')
    const topics = await kq(['topic:list', '--json'], {cwd: app.root})
    assert.ok(!topics.stdout.includes(fresh.KQ_BATCH_TOPIC), 'batch:list made the batch topic')
  })

  it('refuses a batch:show of an id that is not a batch id, before reading anything', async () => {
    const {code, stdout, stderr} = await kq(['batch:show', 'album-1'], {cwd: app.root, env: {...env, KAFKA_BROKERS: '127.0.0.1:1'}})
    assert.notEqual(code, 0)
    assert.equal(stdout, '')
    assert.match(stderr, /not a batch id .*kq batch:list/)
  })
})
