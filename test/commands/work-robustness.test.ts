import {strict as assert} from 'node:assert'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {ExitCode} from '../../src/lib/errors.js'
import {openTopicAdmin, withTopicAdmin} from '../../src/lib/kafka/index.js'
import {startLocalKafka, stopLocalKafka} from '../../src/lib/local-kafka/index.js'
import {type TestApp, makeTestApp} from '../support/app.js'
import {kq, runKq, uniqueTopic} from '../support/cli.js'
import {type TestKafka, startJarKafka} from '../support/kafka.js'
import {kcatRecords, testConnection} from '../support/topics.js'
import {JAR_CACHE} from '../support/paths.js'
import {type WorkerProcess, spawnWorker} from '../support/worker-process.js'

/**
 * Appends `<id> <attempt>` to the file named by LEDGER once its work is done: the ledger is the
 * record of what ran, read after the workers are gone. JOB_SLEEP_MS makes each job take longer.
 */
const LEDGERED_JOB = `import {appendFileSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'
import {Job, type JobContext} from 'kq'

export default class Ledgered extends Job {
  override async handle(_payload: unknown, ctx: JobContext): Promise<void> {
    const ms = Number(process.env.JOB_SLEEP_MS ?? 0)
    if (ms > 0) await sleep(ms)
    appendFileSync(process.env.LEDGER as string, \`\${ctx.id} \${ctx.attempt}\\n\`)
  }
}
`

/** Succeeds, but leaves behind a timer that throws once the attempt is over. */
const STRAY_THROW_JOB = `import {Job} from 'kq'

export default class StrayThrow extends Job {
  override async handle(): Promise<void> {
    setTimeout(() => {
      throw new Error('stray throw from a timer')
    }, 0)
  }
}
`

/** Succeeds, but leaves behind a promise that rejects with nobody listening. */
const STRAY_REJECT_JOB = `import {Job} from 'kq'

export default class StrayReject extends Job {
  override async handle(): Promise<void> {
    void Promise.reject(new Error('stray rejection nobody awaited'))
  }
}
`

interface LedgerLine {
  id: string
  attempt: number
}

interface Summary {
  done: number
  failed: number
}

describe('kq work: at-least-once, shutdown and failures', function () {
  this.timeout(240_000)
  let app: TestApp
  const running: WorkerProcess[] = []

  before(() => {
    app = makeTestApp({jobs: {Ledgered: LEDGERED_JOB, StrayThrow: STRAY_THROW_JOB, StrayReject: STRAY_REJECT_JOB}})
  })

  afterEach(async () => {
    // A failed test must not leave a worker behind in a group or holding the process open.
    for (const worker of running.splice(0)) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL')
      await worker.exited
    }
  })

  after(() => app?.remove())

  function startWorker(args: string[], env: NodeJS.ProcessEnv = {}): WorkerProcess {
    const worker = spawnWorker(args, {cwd: app.root, env})
    running.push(worker)
    return worker
  }

  /** Runs a worker to its end (`--stop-when-empty`) and returns what it printed. */
  async function workUntilEmpty(args: string[], env: NodeJS.ProcessEnv = {}) {
    const worker = startWorker([...args, '--stop-when-empty'], env)
    const {code} = await worker.exited
    assert.equal(code, 0, `worker failed\n--- stdout\n${worker.stdout}\n--- stderr\n${worker.stderr}`)
    return worker
  }

  /** A queue of its own, with a group of its own that starts at the queue's beginning. */
  async function newQueue(prefix: string, partitions: number, brokers?: string): Promise<{queue: string; group: string}> {
    const queue = uniqueTopic(prefix)
    const group = `${queue}-workers`
    const extra = brokers ? ['--brokers', brokers] : []
    const {code, stderr} = await runKq(['topic:create', queue, '--group', group, '--partitions', String(partitions), ...extra])
    assert.equal(code, 0, stderr)
    return {queue, group}
  }

  /** Dispatches `count` Ledgered jobs in bulk, keyed by user when `keys` is given. */
  async function dispatchMany(queue: string, count: number, options: {keys?: number; brokers?: string} = {}): Promise<void> {
    const file = path.join(app.root, `${uniqueTopic('jobs')}.ndjson`)
    const lines = Array.from({length: count}, (_, seq) => JSON.stringify({seq, user: `u${seq % (options.keys ?? 1)}`}))
    writeFileSync(file, lines.join('\n') + '\n')
    const args = ['dispatch', 'Ledgered', '--ndjson', file, '--queue', queue]
    if (options.keys !== undefined) args.push('--key-field', 'user')
    if (options.brokers !== undefined) args.push('--brokers', options.brokers)
    const {code, stderr} = await kq(args, {cwd: app.root})
    assert.equal(code, 0, stderr)
  }

  /** The ids of every job on a queue topic, as an independent client reads them. */
  async function dispatchedIds(queue: string): Promise<string[]> {
    return (await kcatRecords(queue)).map((record) => JSON.parse(record.payload).id as string)
  }

  function ledgerFile(): string {
    return path.join(app.root, `${uniqueTopic('ledger')}.log`)
  }

  it('finishes running jobs on SIGTERM, commits them, and a later worker runs each of the rest exactly once', async () => {
    const {queue, group} = await newQueue('sigterm', 3)
    const total = 300
    await dispatchMany(queue, total)
    const all = await dispatchedIds(queue)
    assert.equal(all.length, total)

    const ledger = ledgerFile()
    const env = {LEDGER: ledger, JOB_SLEEP_MS: '20'}
    const first = startWorker([queue, '--group', group, '--concurrency', '4'], env)
    await first.waitFor('half the jobs ran', () => readLedger(ledger).length >= total / 2)
    const doneAtSignal = new Set(readLedger(ledger).map((line) => line.id))
    first.child.kill('SIGTERM')
    const {code} = await first.exited
    assert.equal(code, 0, first.stderr)
    assert.match(first.stdout, /INFO {2}Stopping \(signal received\): running jobs finish first\./)
    const ranFirst = readLedger(ledger)
    // The worker stopped mid-run, or this test proved nothing.
    assert.ok(ranFirst.length < total, `the first worker ran all ${total} jobs before it stopped`)
    // What the summary counts is exactly what reached the ledger: jobs in flight finished.
    assert.deepEqual(summaryOf(first.stdout), {done: ranFirst.length, failed: 0})

    const second = await workUntilEmpty([queue, '--group', group, '--concurrency', '4'], env)
    const ran = readLedger(ledger).map((line) => line.id)
    assert.deepEqual(new Set(ran), new Set(all), 'a dispatched job never ran')
    // Jobs in flight at SIGTERM finish before the final commit, which is made while the worker
    // is still in the group: nothing that finished is delivered again, so nothing runs twice.
    assertRanOnce(ran)
    for (const id of doneAtSignal) assert.equal(ran.filter((each) => each === id).length, 1, `${id} ran again`)
    assert.deepEqual(summaryOf(second.stdout), {done: total - ranFirst.length, failed: 0})
  })

  it('exits at once on a second signal, and the unfinished job is delivered again', async () => {
    const {queue, group} = await newQueue('second-signal', 1)
    const dispatched = await kq(['dispatch', 'Ledgered', '{}', '--queue', queue, '--json'], {cwd: app.root})
    assert.equal(dispatched.code, 0, dispatched.stderr)
    const {id} = JSON.parse(dispatched.stdout) as {id: string}

    const ledger = ledgerFile()
    // A short session, so that the group soon gives up on the member that vanished.
    const worker = startWorker([queue, '--group', group, '--session-timeout', '6'], {LEDGER: ledger, JOB_SLEEP_MS: '20000'})
    await worker.waitFor('the job started', (each) => /RUNNING/.test(each.stdout))
    worker.child.kill('SIGTERM')
    await worker.waitFor('the first signal was taken', (each) => /Stopping \(signal received\)/.test(each.stdout))
    worker.child.kill('SIGTERM')
    const {code} = await worker.exited
    // 128 + SIGTERM: a graceful stop would have waited for the job and exited 0.
    assert.equal(code, 143, worker.stdout)
    assert.match(worker.stderr, /Second SIGTERM: exiting now; unfinished jobs will be delivered again\./)
    assert.deepEqual(readLedger(ledger), [], 'the job finished although the worker exited at once')

    await workUntilEmpty([queue, '--group', group], {LEDGER: ledger})
    assert.deepEqual(readLedger(ledger), [{id, attempt: 1}])
  })

  it('says so on a second signal in a JSON line with --json, nothing on stderr', async () => {
    const {queue, group} = await newQueue('second-signal-json', 1)
    const dispatched = await kq(['dispatch', 'Ledgered', '{}', '--queue', queue], {cwd: app.root})
    assert.equal(dispatched.code, 0, dispatched.stderr)
    const worker = startWorker([queue, '--group', group, '--json'], {LEDGER: ledgerFile(), JOB_SLEEP_MS: '20000'})
    await worker.waitFor('the job started', (each) => /"status":"running"/.test(each.stdout))
    worker.child.kill('SIGINT')
    await worker.waitFor('the first signal was taken', (each) => /"event":"stopping"/.test(each.stdout))
    worker.child.kill('SIGINT')
    assert.equal((await worker.exited).code, 130, worker.stdout)
    assert.equal(worker.stderr, '')
    const last = JSON.parse(worker.stdout.trim().split('\n').at(-1)!) as {event: string; message: string}
    assert.deepEqual([last.event, last.message], ['warning', 'Second SIGINT: exiting now; unfinished jobs will be delivered again.'])
  })

  it('runs every job at least once when a worker is killed mid-run, and nothing it committed again', async () => {
    const {queue, group} = await newQueue('sigkill', 3)
    const total = 3000
    await dispatchMany(queue, total, {keys: 60})
    const records = await kcatRecords(queue)
    const all = records.map((record) => JSON.parse(record.payload).id as string)
    assert.equal(new Set(all).size, total)
    assert.equal(new Set(records.map((record) => record.partition)).size, 3)

    const firstLedger = ledgerFile()
    const secondLedger = ledgerFile()
    const first = startWorker([queue, '--group', group, '--concurrency', '8', '--session-timeout', '6'], {
      LEDGER: firstLedger,
      JOB_SLEEP_MS: '10',
    })
    await first.waitFor('a third of the jobs ran', () => readLedger(firstLedger).length >= total / 3)
    // A fetch brings a partition's whole backlog in one batch here: progress committed on a
    // partition that still has jobs to run shows commits come on an interval, not at batch end.
    await untilCommittedMidPartition(queue, group, () => readLedger(firstLedger).length >= total)
    first.child.kill('SIGKILL')
    assert.equal((await first.exited).signal, 'SIGKILL')
    const ranFirst = readLedger(firstLedger).map((line) => line.id)
    assert.ok(ranFirst.length < total, `the first worker ran all ${total} jobs before it was killed`)
    const committed = await withTopicAdmin(testConnection(), (admin) => admin.committedOffsets(group, queue))

    await workUntilEmpty([queue, '--group', group, '--concurrency', '8'], {LEDGER: secondLedger})
    const ranSecond = readLedger(secondLedger).map((line) => line.id)
    const ranAtAll = new Set([...ranFirst, ...ranSecond])
    const missing = all.filter((id) => !ranAtAll.has(id))
    assert.deepEqual(missing, [], `${missing.length} jobs never ran`)
    // Within one worker's life nothing runs twice; only what the killed one left uncommitted does.
    assertRanOnce(ranFirst)
    assertRanOnce(ranSecond)
    const firstSet = new Set(ranFirst)
    const again = new Set(ranSecond.filter((id) => firstSet.has(id)))
    const committedAgain = records.filter((record) => {
      const next = committed.find((each) => each.partition === record.partition)?.offset ?? -1
      return record.offset < next && again.has(JSON.parse(record.payload).id)
    })
    assert.deepEqual(committedAgain, [], 'jobs whose offsets were committed ran again')
    assert.ok(again.size < ranFirst.length, 'everything the killed worker finished ran again: it committed nothing')
    process.stdout.write(`      killed after ${ranFirst.length} of ${total} jobs; ${again.size} of them ran again after restarting\n`)
  })

  it('shares the partitions between two workers in one group, and runs each job once', async () => {
    const {queue, group} = await newQueue('shared', 4)
    const ledger = ledgerFile()
    const args = [queue, '--group', group, '--json', '--concurrency', '2']
    const env = {LEDGER: ledger}

    const one = startWorker(args, env)
    await one.waitFor('the first worker got partitions', (worker) => (latestAssignment(worker.stdout, queue)?.length ?? 0) > 0)
    const two = startWorker(args, env)
    await two.waitFor('the group split the partitions', () => splitOf([one, two], queue, 4) !== undefined)
    const split = splitOf([one, two], queue, 4) as number[][]
    assert.ok(
      split[0].length > 0 && split[1].length > 0,
      `partitions split as ${JSON.stringify(split)}\n--- first\n${one.stdout}\n--- second\n${two.stdout}`,
    )

    const total = 200
    await dispatchMany(queue, total, {keys: 40})
    await one.waitFor('every job ran', () => readLedger(ledger).length >= total)
    one.child.kill('SIGTERM')
    two.child.kill('SIGTERM')
    assert.equal((await one.exited).code, 0, one.stderr)
    assert.equal((await two.exited).code, 0, two.stderr)

    const ran = readLedger(ledger).map((line) => line.id)
    assert.deepEqual(new Set(ran), new Set(await dispatchedIds(queue)))
    assertRanOnce(ran)
    for (const [index, worker] of [one, two].entries()) {
      const partitions = donePartitions(worker.stdout, queue)
      assert.ok(partitions.size > 0, `worker ${index + 1} ran no job`)
      for (const partition of partitions) {
        assert.ok(split[index].includes(partition), `worker ${index + 1} ran a job of partition ${partition}, not its own`)
      }
    }
  })

  it('runs each job once when a worker stops after giving partitions away, and the other takes them over', async () => {
    const {queue, group} = await newQueue('handover', 4)
    const ledger = ledgerFile()
    const args = [queue, '--group', group, '--json', '--concurrency', '2']
    const env = {LEDGER: ledger}
    const assignedOf = (worker: WorkerProcess) => latestAssignment(worker.stdout, queue)
    const ranOnce = () => new Set(readLedger(ledger).map((line) => line.id)).size

    // The first worker alone works jobs on every partition...
    const one = startWorker(args, env)
    await one.waitFor('the first worker got every partition', (worker) => assignedOf(worker)?.length === 4)
    await dispatchMany(queue, 80, {keys: 40})
    assert.equal(new Set((await kcatRecords(queue)).map((record) => record.partition)).size, 4)
    await one.waitFor('the first jobs ran', () => ranOnce() >= 80)
    // ...then gives half of them to a second worker, which works on past it there.
    const two = startWorker(args, env)
    await two.waitFor('the group split the partitions', () => {
      const split = splitOf([one, two], queue, 4)
      return split !== undefined && split.every((partitions) => partitions.length > 0)
    })
    await dispatchMany(queue, 80, {keys: 40})
    await two.waitFor('the jobs sent after the split ran', () => ranOnce() >= 160)
    await untilAllCommitted(queue, group)

    // The first one leaves; what it commits must not take the other's partitions back.
    one.child.kill('SIGTERM')
    assert.equal((await one.exited).code, 0, one.stderr)
    await two.waitFor('the second worker took every partition', (worker) => assignedOf(worker)?.length === 4)
    await dispatchMany(queue, 80, {keys: 40})
    await two.waitFor('the jobs sent after the first worker left ran', () => ranOnce() >= 240)
    two.child.kill('SIGTERM')
    assert.equal((await two.exited).code, 0, two.stderr)

    // Nobody crashed: a job that ran twice came again because a commit moved an offset back.
    const ran = readLedger(ledger).map((line) => line.id)
    assert.deepEqual(new Set(ran), new Set(await dispatchedIds(queue)))
    assertRanOnce(ran)
  })

  it('reports errors a job leaves outside its attempt as warnings and goes on working', async () => {
    const {queue, group} = await newQueue('stray', 1)
    const ledger = ledgerFile()
    const worker = startWorker([queue, '--group', group], {LEDGER: ledger})
    for (const job of ['StrayThrow', 'StrayReject']) {
      const {code, stderr} = await kq(['dispatch', job, '{}', '--queue', queue], {cwd: app.root})
      assert.equal(code, 0, stderr)
    }

    await worker.waitFor('both stray errors were reported', ({stdout}) =>
      stdout.includes('stray throw from a timer') && stdout.includes('stray rejection nobody awaited'),
    )
    assert.match(worker.stdout, /WARN {2}a job left an error outside its attempt: stray throw from a timer/)
    assert.match(worker.stdout, /WARN {2}a job left an error outside its attempt: stray rejection nobody awaited/)

    // Dispatched only now, so they can only run in a worker that outlived both errors.
    await dispatchMany(queue, 5)
    await worker.waitFor('the later jobs ran', () => readLedger(ledger).length >= 5)
    worker.child.kill('SIGTERM')
    assert.equal((await worker.exited).code, 0, worker.stderr)
    assert.deepEqual(summaryOf(worker.stdout), {done: 7, failed: 0})
    assert.equal(new Set(readLedger(ledger).map((line) => line.id)).size, 5)
  })

  describe('when the broker goes away', () => {
    let kafka: TestKafka & {dir: string}

    before(async function () {
      this.timeout(300_000)
      kafka = await startJarKafka('broker-loss', {nodes: 1})
    })

    after(async function () {
      this.timeout(120_000)
      await kafka?.stop()
    })

    async function restartBroker(): Promise<void> {
      // Same folder, so the same ports and the same data (topics, committed offsets).
      await startLocalKafka({dir: kafka.dir, cacheDir: JAR_CACHE, heapMb: 384})
    }

    it('says the connection is lost, and works new jobs without a restart once the broker is back', async () => {
      const {queue, group} = await newQueue('broker-loss', 2, kafka.brokers)
      const ledger = ledgerFile()
      const worker = startWorker([queue, '--group', group, '--brokers', kafka.brokers, '--broker-timeout', '120'], {
        LEDGER: ledger,
      })
      await dispatchMany(queue, 5, {brokers: kafka.brokers})
      await worker.waitFor('the first jobs ran', () => readLedger(ledger).length >= 5)

      await stopLocalKafka({dir: kafka.dir})
      await worker.waitFor('it reported the lost broker', ({stdout}) =>
        /KAFKA {2}lost the connection \(.+\): retrying/.test(stdout),
      )
      await restartBroker()
      await dispatchMany(queue, 5, {brokers: kafka.brokers})
      await worker.waitFor('the jobs sent after the restart ran', () => readLedger(ledger).length >= 10)
      await worker.waitFor('it reported the broker back', ({stdout}) => /KAFKA {2}connected again/.test(stdout))

      worker.child.kill('SIGTERM')
      assert.equal((await worker.exited).code, 0, worker.stderr)
      // Jobs finished before the loss were committed then: none runs again after it.
      const ran = readLedger(ledger).map((line) => line.id)
      assert.equal(new Set(ran).size, 10)
      assertRanOnce(ran)
    })

    it('exits 5 once the broker has been gone for --broker-timeout', async () => {
      const {queue, group} = await newQueue('broker-timeout', 1, kafka.brokers)
      const worker = startWorker([queue, '--group', group, '--brokers', kafka.brokers, '--broker-timeout', '5'])
      await worker.waitFor('it joined the group', ({stdout}) => /Partitions: /.test(stdout))

      await stopLocalKafka({dir: kafka.dir})
      const {code} = await worker.exited
      assert.equal(code, ExitCode.Unreachable, `${worker.stdout}\n${worker.stderr}`)
      assert.match(worker.stdout, /KAFKA {2}lost the connection/)
      assert.match(worker.stdout, /Stopping \(Kafka unreachable for --broker-timeout\)/)
    })
  })
})

/**
 * Polls the group's committed offsets until one partition has progress committed short of its
 * end; fails if `finished` comes true first.
 */
async function untilCommittedMidPartition(queue: string, group: string, finished: () => boolean): Promise<void> {
  const admin = await openTopicAdmin(testConnection())
  try {
    for (;;) {
      const [ends, committed] = await Promise.all([admin.topicOffsets(queue), admin.committedOffsets(group, queue)])
      const midway = committed.some(({partition, offset}) => {
        const end = ends.find((each) => each.partition === partition)?.high ?? 0
        return offset > 0 && offset < end
      })
      if (midway) return
      assert.ok(!finished(), 'the worker ran every job without committing progress on a partition it was still working')
      await sleep(50)
    }
  } finally {
    await admin.close()
  }
}

/** Polls until the group has committed every record of the queue. */
async function untilAllCommitted(queue: string, group: string): Promise<void> {
  const admin = await openTopicAdmin(testConnection())
  try {
    for (;;) {
      const [ends, committed] = await Promise.all([admin.topicOffsets(queue), admin.committedOffsets(group, queue)])
      const behind = ends.some(
        ({partition, high}) => (committed.find((each) => each.partition === partition)?.offset ?? -1) < high,
      )
      if (!behind) return
      await sleep(100)
    }
  } finally {
    await admin.close()
  }
}

/** The queue partitions of a worker's last 'assigned' event (--json), or undefined before one. */
function latestAssignment(stdout: string, queue: string): number[] | undefined {
  const events = jsonEvents(stdout).filter((event) => event.event === 'assigned')
  const last = events.at(-1) as {partitions: Array<{topic: string; partition: number}>} | undefined
  return last?.partitions.filter((each) => each.topic === queue).map((each) => each.partition)
}

/**
 * Each worker's queue partitions once their last assignments (--json) cover the queue's `count`
 * partitions between them, each partition once; undefined until then.
 */
function splitOf(workers: WorkerProcess[], queue: string, count: number): number[][] | undefined {
  const split = workers.map((worker) => latestAssignment(worker.stdout, queue))
  if (split.some((partitions) => partitions === undefined)) return undefined
  const all = split.flat() as number[]
  return all.length === count && new Set(all).size === count ? (split as number[][]) : undefined
}

/** The queue partitions a worker finished jobs of (--json). */
function donePartitions(stdout: string, queue: string): Set<number> {
  const done = jsonEvents(stdout).filter((event) => event.event === 'job:done' && event.topic === queue)
  return new Set(done.map((event) => event.partition as number))
}

/** Every complete JSON line so far: the last piece may be a line still being written. */
function jsonEvents(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .slice(0, -1)
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

/** What ran, in the order it finished. */
function readLedger(file: string): LedgerLine[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [id, attempt] = line.split(' ')
      return {id, attempt: Number(attempt)}
    })
}

/** Every repeat of an id already seen. */
function duplicatesIn(ids: string[]): string[] {
  const seen = new Set<string>()
  return ids.filter((id) => seen.has(id) || !seen.add(id))
}

function assertRanOnce(ids: string[]): void {
  const twice = duplicatesIn(ids)
  assert.equal(twice.length, 0, `${twice.length} jobs ran twice, among them ${twice.slice(0, 3).join(', ')}`)
}

/** The counts of a worker's last line. */
function summaryOf(stdout: string): Summary {
  const match = /INFO {2}(\d+) done, (\d+) failed \(\d+ dead-lettered\) in /.exec(stdout)
  assert.ok(match, `no summary line in:\n${stdout}`)
  return {done: Number(match[1]), failed: Number(match[2])}
}
