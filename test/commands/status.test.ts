import {strict as assert} from 'node:assert'
import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync, writeFileSync} from 'node:fs'
import http from 'node:http'
import {type AddressInfo} from 'node:net'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {ExitCode} from '../../src/lib/errors.js'
import {type StatusSnapshot} from '../../src/lib/monitoring/index.js'
import {type TestApp, jobSource, makeTestApp} from '../support/app.js'
import {kq, runKq, startKq, uniqueTopic} from '../support/cli.js'
import {type ConsumerGroupRow, consumerGroupCommand, describeGroupWithKafka, ensureKafkaTools} from '../support/consumer-groups.js'
import {kcat} from '../support/kcat.js'
import {KQ_BIN} from '../support/paths.js'
import {closedPort} from '../support/ports.js'
import {isUtilLinuxScript, kqOnTerminal} from '../support/terminal.js'
import {kcatRecords, testBrokers} from '../support/topics.js'
import {createWorkedQueue, groupProgress} from '../support/worker.js'

/** Marks that it started, then holds its worker (concurrency 1) until the release file exists. */
const BLOCKS_JOB = `import {existsSync, writeFileSync} from 'node:fs'

import {Job} from 'kq'

export default class Blocks extends Job<{started: string; release: string}> {
  override timeout = 120

  override async handle(payload: {started: string; release: string}): Promise<void> {
    writeFileSync(payload.started, '')
    while (!existsSync(payload.release)) await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
`

/** A local receiver for --webhook: records each POST's content type and JSON body. */
async function webhookReceiver(status = 204) {
  const received: Array<{contentType?: string; body: {text: string; status: string; queues: Array<{queue: string}>}}> = []
  const server = http.createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString()
    })
    request.on('end', () => {
      received.push({contentType: request.headers['content-type'], body: JSON.parse(body)})
      response.writeHead(status).end()
    })
  })
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hooks/T000/secret-token`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
      }),
  }
}

/** Polls an async condition every 100 ms until it holds. */
async function eventually(condition: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

/**
 * Every partition kq reports must read as Kafka's tool reads it: the same log-end offset,
 * committed offset and lag, with `-` (null) on both sides where the group has no offset. A
 * partition the tool leaves out (no offset, no member) must have no offset in kq's view either.
 */
function assertSameAsKafka(snapshot: StatusSnapshot, rows: ConsumerGroupRow[]): void {
  const [queue] = snapshot.queues
  for (const partition of queue.partitions) {
    const row = rows.find((each) => each.topic === partition.topic && each.partition === partition.partition)
    const where = `${partition.topic}[${partition.partition}]`
    if (row === undefined) {
      assert.deepEqual([partition.committed, partition.lag], [null, null], `${where}: Kafka's tool lists no offset`)
      continue
    }

    assert.deepEqual(
      {end: partition.end, committed: partition.committed, lag: partition.lag},
      {end: row.logEndOffset, committed: row.currentOffset, lag: row.lag},
      where,
    )
  }

  const ours = new Set(queue.partitions.map((each) => `${each.topic}[${each.partition}]`))
  const theirs = rows.filter((row) => row.topic === queue.topic || row.topic === queue.retryTopic)
  for (const row of theirs) assert.ok(ours.has(`${row.topic}[${row.partition}]`), `kq leaves out ${row.topic}[${row.partition}]`)
}

describe('kq status', function () {
  this.timeout(60_000)
  let app: TestApp

  before(async function () {
    // Kafka's consumer-group tool comes from Maven Central the first time on a machine.
    this.timeout(10 * 60_000)
    app = makeTestApp({jobs: {Succeeds: jobSource('Succeeds'), Blocks: BLOCKS_JOB}})
    await ensureKafkaTools()
  })

  after(() => app.remove())

  async function dispatchKeyed(queue: string, keys: string[]): Promise<void> {
    const input = keys.map((key) => JSON.stringify({key})).join('\n')
    const {code, stderr} = await kq(['dispatch', 'Succeeds', '--ndjson', '-', '--key-field', 'key', '--queue', queue], {cwd: app.root, input})
    assert.equal(code, 0, stderr)
  }

  async function status(args: string[]): Promise<StatusSnapshot> {
    const {code, result, error} = await runKq<StatusSnapshot>(['status', ...args, '--sample', '0'])
    assert.equal(code, 0, error?.message)
    return result as StatusSnapshot
  }

  describe('with a worker holding its partitions mid-way', () => {
    let queue: string
    let group: string
    let worker: ChildProcess
    let workerExit: Promise<number | null>
    const lagsOn = new Map<number, number>()
    const release = () => writeFileSync(path.join(app.root, `release-${queue}`), '')

    before(async function () {
      this.timeout(60_000)
      ;({queue, group} = await createWorkedQueue('status-lag', 2))
      // Three jobs and then the blocking one, all on the partition of key "held".
      await dispatchKeyed(queue, ['held', 'held', 'held'])
      const blocking = JSON.stringify({started: path.join(app.root, `started-${queue}`), release: path.join(app.root, `release-${queue}`)})
      const {code, stderr} = await kq(['dispatch', 'Blocks', blocking, '--queue', queue, '--key', 'held'], {cwd: app.root})
      assert.equal(code, 0, stderr)
      // A first worker works the three and stops, committing them on its way out: a worker
      // commits on an interval, when it resolves a job, so one that went straight on to the
      // blocking job might not have committed them yet.
      const first = await kq(['work', queue, '--group', group, '--max-jobs', '3'], {cwd: app.root})
      assert.equal(first.code, 0, first.stderr)
      worker = spawn(KQ_BIN, ['work', queue, '--group', group, '--stop-when-empty'], {cwd: app.root, env: {...process.env, NO_COLOR: '1'}})
      workerExit = new Promise((resolve) => {
        worker.on('exit', (exitCode) => resolve(exitCode))
      })
      await eventually(() => existsSync(path.join(app.root, `started-${queue}`)), 30_000, 'the blocking job to start')
      // Jobs behind it, on both partitions: one at a time, the worker cannot start them.
      await dispatchKeyed(queue, ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'])

      const records = await kcatRecords(queue)
      const held = records.find((record) => record.key === 'held')!.partition
      for (const record of records) lagsOn.set(record.partition, (lagsOn.get(record.partition) ?? 0) + 1)
      // On the held partition the three jobs before the blocking one are done and committed.
      lagsOn.set(held, (lagsOn.get(held) ?? 0) - 3)
      assert.equal(lagsOn.size, 2, 'the keys should land on both partitions')
      assert.equal((await groupProgress(group, queue)).find((each) => each.partition === held)?.committed, 3)
    })

    after(() => {
      worker?.kill('SIGKILL')
    })

    it("reports each partition's end offset, committed offset and lag exactly as Kafka's ConsumerGroupCommand does", async () => {
      const snapshot = await status([queue, '--group', group, '--json'])
      const rows = await describeGroupWithKafka(group)
      assertSameAsKafka(snapshot, rows)

      const [row] = snapshot.queues
      assert.deepEqual(
        row.partitions.filter((each) => each.topic === queue).map((each) => each.lag),
        [lagsOn.get(0), lagsOn.get(1)],
      )
      assert.equal(row.lag, (lagsOn.get(0) ?? 0) + (lagsOn.get(1) ?? 0))
      assert.equal(row.lag, rows.filter((each) => each.topic === queue).reduce((sum, each) => sum + (each.lag ?? 0), 0))
    })

    it('lists the running worker, its host and client id, and the partitions it holds, as Kafka does', async () => {
      const snapshot = await status([queue, '--group', group, '--json'])
      assert.equal(snapshot.group.state, 'Stable')
      assert.equal(snapshot.group.members.length, 1)
      const [member] = snapshot.group.members
      const topics = [queue, `${queue}-retry`, ...['1s', '10s', '1m', '10m', '1h', '1d'].map((rung) => `${queue}-delay-${rung}`)]
      assert.deepEqual(
        [...member.assignment].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
        topics.sort().flatMap((topic) => [0, 1].map((partition) => ({topic, partition}))),
      )
      assert.equal(snapshot.queues[0].workers, 1)
      const held = new Set(member.assignment.map((each) => each.topic))
      for (const row of (await describeGroupWithKafka(group)).filter((each) => held.has(each.topic))) {
        assert.deepEqual([row.consumerId, row.host, row.clientId], [member.memberId, member.host, member.clientId], `${row.topic}[${row.partition}]`)
      }

      const {stdout} = await runKq(['status', queue, '--group', group, '--sample', '0'])
      assert.match(stdout, new RegExp(`^Group ${group}: Stable, 1 worker\\.$`, 'm'))
      // The host and pid the worker published on joining, not Kafka's address of its connection.
      assert.ok(member.process, 'the worker published its process')
      assert.match(
        stdout,
        new RegExp(`^${member.memberId} +${member.process.host} +${member.process.pid} +${member.clientId} +${queue}\\[0,1\\] ${queue}-delay-\\*\\[0,1\\] ${queue}-retry\\[0,1\\]$`, 'm'),
      )
      assert.match(stdout, /^TOPIC +PARTITION +END +COMMITTED +LAG$/m)
    })

    it('reports lag 0, as Kafka does, once the worker has drained the queue and left', async function () {
      this.timeout(60_000)
      release()
      assert.equal(await workerExit, 0)
      const snapshot = await status([queue, '--group', group, '--json'])
      const rows = await describeGroupWithKafka(group)
      assertSameAsKafka(snapshot, rows)

      const [row] = snapshot.queues
      assert.equal(row.lag, 0)
      assert.equal(row.drainSeconds, 0)
      assert.ok(rows.filter((each) => each.topic === queue).every((each) => each.lag === 0))
      assert.equal(snapshot.group.state, 'Empty')
      assert.deepEqual(snapshot.group.members, [])
    })
  })

  it('exits 3 past --max-lag, marks the row ALERT and posts {text, queues} to the webhook', async () => {
    const {queue, group} = await createWorkedQueue('status-alert')
    await dispatchKeyed(queue, ['a', 'b', 'c'])
    const receiver = await webhookReceiver()
    try {
      const over = await kq(['status', queue, '--group', group, '--max-lag', '2', '--webhook', receiver.url, '--sample', '0'])
      assert.equal(over.code, ExitCode.Alert, over.stderr)
      assert.match(over.stdout, new RegExp(`^${queue} +3 +- +0 +0 +0 +- +- +ALERT lag 3 > 2$`, 'm'))
      assert.equal(over.stderr, '')
      assert.equal(receiver.received.length, 1)
      const [{contentType, body}] = receiver.received
      assert.equal(contentType, 'application/json')
      assert.equal(body.text, `kq alert (group ${group}): ${queue} lag 3 > 2`)
      assert.equal(body.status, 'alert')
      assert.deepEqual(body.queues.map((each) => each.queue), [queue])

      const within = await kq(['status', queue, '--group', group, '--max-lag', '3', '--webhook', receiver.url, '--sample', '0'])
      assert.equal(within.code, 0, within.stderr)
      assert.match(within.stdout, new RegExp(`^${queue} .* ok$`, 'm'))
      assert.equal(receiver.received.length, 1, 'no post when no threshold is crossed')
    } finally {
      await receiver.close()
    }
  })

  it('counts the dead letters past the cursor group, and exits 3 past --max-dead', async () => {
    const {queue, group} = await createWorkedQueue('status-dead')
    await kcat(['-b', testBrokers(), '-P', '-t', `${queue}-dlt`], 'one\ntwo\nthree\n')

    const pending = await runKq<StatusSnapshot>(['status', queue, '--group', group, '--max-dead', '2', '--json', '--sample', '0'])
    assert.equal(pending.code, ExitCode.Alert)
    const snapshot = JSON.parse(pending.stdout) as StatusSnapshot
    assert.equal(snapshot.deadLetterGroup, `${group}-dlt`)
    assert.equal(snapshot.queues[0].pendingDeadLetters, 3)
    assert.deepEqual(snapshot.queues[0].alerts, [{kind: 'dead', value: 3, threshold: 2}])
    assert.equal(snapshot.alert, true)

    // Dealing with the first dead letter moves the cursor past it (done here by Kafka's own tool).
    await consumerGroupCommand(['--reset-offsets', '--group', `${group}-dlt`, '--topic', `${queue}-dlt:0`, '--to-offset', '1', '--execute'])
    const after = await runKq<StatusSnapshot>(['status', queue, '--group', group, '--max-dead', '2', '--json', '--sample', '0'])
    assert.equal(after.code, 0, after.error?.message)
    assert.equal(after.result?.queues[0].pendingDeadLetters, 2)
    assert.deepEqual(after.result?.queues[0].deadLetters, [{partition: 0, start: 0, end: 3, cursor: 1, pending: 2}])
  })

  it('counts the delayed jobs the group has not worked, apart from the lag and the retries', async () => {
    const {queue, group} = await createWorkedQueue('status-delayed')
    for (const delay of ['10m', '10m', '90']) {
      const {code, stderr} = await kq(['dispatch', 'Succeeds', '{}', '--queue', queue, '--delay', delay], {cwd: app.root})
      assert.equal(code, 0, stderr)
    }

    const snapshot = await status([queue, '--group', group, '--json'])
    assert.deepEqual([snapshot.queues[0].delayed, snapshot.queues[0].lag, snapshot.queues[0].retryLag], [3, 0, null])
    const {stdout} = await runKq(['status', queue, '--group', group, '--sample', '0', '--brief'])
    assert.match(stdout, new RegExp(`^${queue} +0 +- +3 +0 +0 +- +now$`, 'm'))
    // A group that has read nothing there yet has every record of the delay topics to work.
    assert.equal((await status([queue, '--group', uniqueTopic('new-group'), '--json'])).queues[0].delayed, 3)

    // A worker that took the first job off the 10m rung has moved the group past it (done here by Kafka's own tool).
    await consumerGroupCommand(['--reset-offsets', '--group', group, '--topic', `${queue}-delay-10m:0`, '--to-offset', '1', '--execute'])
    assert.equal((await status([queue, '--group', group, '--json'])).queues[0].delayed, 2)
  })

  it('warns on stderr, and still exits 3, when the webhook cannot be reached', async () => {
    const {queue, group} = await createWorkedQueue('status-hook-down')
    await dispatchKeyed(queue, ['a'])
    const port = await closedPort()
    const {code, stderr} = await kq(['status', queue, '--group', group, '--max-lag', '0', '--webhook', `http://127.0.0.1:${port}/secret-token`, '--sample', '0'])
    assert.equal(code, ExitCode.Alert)
    assert.equal(stderr, `Warning: the webhook at http://127.0.0.1:${port} did not answer (ECONNREFUSED)\n`)
  })

  it('prints the documented JSON shape with --json', async () => {
    const {queue, group} = await createWorkedQueue('status-json')
    const snapshot = await status([queue, '--group', group, '--json'])
    assert.deepEqual(Object.keys(snapshot), ['time', 'group', 'deadLetterGroup', 'rateWindowSeconds', 'thresholds', 'queues', 'alert', 'batches'])
    assert.deepEqual(snapshot.queues.map((each) => Object.keys(each)), [
      [
        'queue',
        'topic',
        'retryTopic',
        'deadLetterTopic',
        'delayTopics',
        'lag',
        'retryLag',
        'delayed',
        'pendingDeadLetters',
        'undescribable',
        'workers',
        'rate',
        'drainSeconds',
        'alerts',
        'partitions',
        'deadLetters',
        'warnings',
        'paused',
      ],
    ])
    assert.deepEqual(snapshot.group, {id: group, state: 'Empty', members: []})
    assert.equal(snapshot.queues[0].lag, 0)
    assert.equal(snapshot.queues[0].drainSeconds, 0)
    // The retry topic has never been committed on: no lag, as Kafka's tool shows `-`.
    assert.deepEqual(snapshot.queues[0].partitions.find((each) => each.topic === `${queue}-retry`), {topic: `${queue}-retry`, partition: 0, end: 0, committed: null, lag: null})
  })

  it('measures the rate over --sample seconds', async () => {
    const {queue, group} = await createWorkedQueue('status-rate')
    const snapshot = await runKq<StatusSnapshot>(['status', queue, '--group', group, '--json', '--sample', '1'])
    assert.equal(snapshot.code, 0)
    assert.ok(Math.abs((snapshot.result?.rateWindowSeconds ?? 0) - 1) < 0.5, `window ${snapshot.result?.rateWindowSeconds}`)
    assert.equal(snapshot.result?.queues[0].rate, 0)
  })

  describe('--watch', () => {
    it('prints one JSON line per refresh, posts a crossing once, and exits 3 on SIGINT while in alert', async () => {
      const {queue, group} = await createWorkedQueue('status-watch')
      await dispatchKeyed(queue, ['a', 'b'])
      const receiver = await webhookReceiver()
      const {child, stdout, exited} = startKq(['status', queue, '--group', group, '--watch', '--interval', '1', '--sample', '0', '--json', '--max-lag', '1', '--webhook', receiver.url])
      try {
        await eventually(() => stdout().split('\n').filter((line) => line !== '').length >= 3, 20_000, 'three refreshes')
        child.kill('SIGINT')
        assert.equal(await exited, ExitCode.Alert)
      } finally {
        child.kill('SIGKILL')
        await receiver.close()
      }

      const snapshots = stdout().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as StatusSnapshot)
      assert.ok(snapshots.length >= 3)
      for (const snapshot of snapshots) assert.deepEqual([snapshot.queues[0].queue, snapshot.queues[0].lag, snapshot.alert], [queue, 2, true])
      // The first refresh has no rate (--sample 0); later ones measure it against the one before.
      assert.deepEqual(snapshots.slice(0, 2).map((snapshot) => [snapshot.rateWindowSeconds === null, snapshot.queues[0].rate]), [[true, null], [false, 0]])
      assert.equal(receiver.received.length, 1, 'the crossing is posted once, not at every refresh')
    })

    it('prints one snapshot after another, each under its header, off a terminal, and exits 0 on SIGINT', async () => {
      const {queue, group} = await createWorkedQueue('status-watch-plain')
      const {child, stdout, exited} = startKq(['status', queue, '--group', group, '--watch', '--interval', '1', '--sample', '0'])
      try {
        await eventually(() => (stdout().match(/^Every 1s: kq status/gm) ?? []).length >= 2, 20_000, 'two refreshes')
        child.kill('SIGINT')
        assert.equal(await exited, 0)
      } finally {
        child.kill('SIGKILL')
      }

      assert.doesNotMatch(stdout(), /\u001B\[/, 'no terminal control codes in a log')
      assert.ok((stdout().match(new RegExp(`^${queue} +0 `, 'gm')) ?? []).length >= 2, stdout())
    })

    it('redraws in place on a terminal and stops on Ctrl-C', async function () {
      if (!isUtilLinuxScript()) this.skip()
      const {queue, group} = await createWorkedQueue('status-watch-tty')
      const terminal = kqOnTerminal(['status', queue, '--group', group, '--watch', '--interval', '1', '--sample', '0'], app.root)
      await terminal.expect(new RegExp(`Every 1s: kq status[^]*${queue}[^]*Every 1s: kq status`))
      terminal.type('\u0003')
      assert.equal(await terminal.exited, 0)
    })
  })

  describe('refuses with one line and a stable exit code', () => {
    it('a broker that is down (exit 5)', async () => {
      const port = await closedPort()
      const {code, stdout, stderr} = await kq(['status', '--brokers', `127.0.0.1:${port}`, '--sample', '0'], {env: {KAFKA_CONNECT_TIMEOUT: '3'}})
      assert.equal(code, ExitCode.Unreachable)
      assert.match(stderr, new RegExp(`^Error: cannot reach Kafka at 127\\.0\\.0\\.1:${port} \\([^)]+\\): .*kafka:up.*\\n$`))
      assert.equal(stdout, '')
    })

    it('a queue whose topic does not exist (exit 6), with where to see the queues there are rather than topic:create', async () => {
      const missing = uniqueTopic('nope')
      const {code, stderr} = await kq(['status', missing, '--sample', '0'])
      assert.equal(code, ExitCode.KafkaRefused)
      assert.equal(stderr, `Error: no queue named ${missing} (its topic ${missing} does not exist): see \`kq topic:list\` for the queues there are\n`)
    })

    it('a first read that fails under --watch --json, in one JSON line as a later one (exit 6)', async () => {
      const missing = uniqueTopic('nope')
      const {code, stdout, stderr} = await kq(['status', missing, '--watch', '--json', '--sample', '0'])
      assert.deepEqual([code, stderr], [ExitCode.KafkaRefused, ''])
      assert.equal(stdout.split('\n').length, 2, stdout)
      const line = JSON.parse(stdout) as {time: string; error: {name: string; exitCode: number}}
      assert.match(line.time, /^\d{4}-\d\d-\d\dT/)
      assert.deepEqual([line.error.name, line.error.exitCode], ['QueueNotFoundError', ExitCode.KafkaRefused])
    })

    it('a --webhook that is not an http(s) URL (exit 2)', async () => {
      const {code, stderr} = await kq(['status', '--webhook', 'ftp://example.com/x', '--sample', '0'])
      assert.equal(code, ExitCode.Usage)
      assert.equal(stderr, 'Error: --webhook must be an http:// or https:// URL, got "ftp://example.com/x"\n')
    })
  })
})
