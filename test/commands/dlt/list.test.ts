import {strict as assert} from 'node:assert'

import {type DltListResult} from '../../../src/commands/dlt/list.js'
import {ExitCode} from '../../../src/lib/errors.js'
import {withTopicAdmin} from '../../../src/lib/kafka/index.js'
import {kq, runKq, uniqueTopic} from '../../support/cli.js'
import {writeDeadLetters} from '../../support/dead-letters.js'
import {kcat} from '../../support/kcat.js'
import {closedPort} from '../../support/ports.js'
import {createQueue, testBrokers, testConnection} from '../../support/topics.js'
import {type WorkerApp, createWorkedQueue, makeWorkerApp} from '../../support/worker.js'

const HOUR = 3_600_000

describe('kq dlt:list', function () {
  this.timeout(60_000)
  let app: WorkerApp
  let queue: string
  let group: string
  let ids: {flaky: string; fatal: string}

  /** The dead letters of a real worker: a job out of tries, a fatal one, and a message that is not a job. */
  before(async () => {
    app = makeWorkerApp()
    ;({queue, group} = await createWorkedQueue('dlt-list'))
    const dispatch = async (job: string, payload: object, extra: string[] = []) => {
      const {code, stdout, stderr} = await kq(['dispatch', job, JSON.stringify(payload), '--queue', queue, '--json', ...extra], {cwd: app.root})
      assert.equal(code, 0, stderr)
      return (JSON.parse(stdout) as {id: string}).id
    }

    ids = {
      flaky: await dispatch('FailsUntil', {tag: 'flaky', succeedOn: 99}, ['--key', 'user-1', '--header', 'trace=abc']),
      fatal: await dispatch('Fatal', {tag: 'fatal'}),
    }
    await kcat(['-b', testBrokers(), '-P', '-t', queue], 'not a job\n')
    const {code, stderr} = await kq(['work', queue, '--group', group, '--stop-when-empty'], {cwd: app.root})
    assert.equal(code, 0, stderr)
  })

  after(() => app.remove())

  const list = async (args: string[]) => {
    const {code, result, stderr} = await runKq<DltListResult>(['dlt:list', queue, '--group', group, '--json', ...args])
    assert.equal(code, 0, stderr)
    return result!
  }

  it('lists the pending dead letters a worker left, oldest first: id, job, reason, error, attempts, failed-at, origin', async () => {
    const {code, stdout, stderr} = await kq(['dlt:list', queue, '--group', group])
    assert.equal(code, 0, stderr)
    const lines = stdout.trimEnd().split('\n')
    assert.match(lines[0], /^ID\s+JOB\s+REASON\s+ERROR\s+ATTEMPTS\s+FAILED AT\s+ORIGIN$/)
    const rows = lines.slice(1, 4)
    // The fatal job fails at once; the other waits out two backoffs; the bad message is read last.
    assert.match(rows.find((row) => row.startsWith(ids.fatal)) ?? '', new RegExp(`^${ids.fatal}\\s+Fatal\\s+fatal\\s+card declined\\s+1\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+0:1$`))
    assert.match(rows.find((row) => row.startsWith(ids.flaky)) ?? '', /\s+FailsUntil\s+exhausted\s+attempt 3 of flaky failed\s+3\s+\S+ \S+\s+0:0$/)
    assert.match(rows.find((row) => row.startsWith('0:')) ?? '', /^0:\d\s+\?\s+malformed\s+.+\s+0:2$/)
    assert.equal(lines[4], `3 pending dead letters in ${queue}-dlt, 0 handled.`)
  })

  it('gives scripts every field with --json, oldest first', async () => {
    const result = await list([])
    assert.deepEqual([result.queue, result.topic, result.group, result.pending, result.handled], [queue, `${queue}-dlt`, `${group}-dlt`, 3, 0])
    const times = result.deadLetters.map((each) => Date.parse(each.failedAt))
    assert.deepEqual(times, [...times].sort((a, b) => a - b))
    const flaky = result.deadLetters.find((each) => each.id === ids.flaky)
    assert.deepEqual({...flaky, failedAt: undefined}, {
      id: ids.flaky,
      job: 'FailsUntil',
      reason: 'exhausted',
      error: {class: 'Error', message: 'attempt 3 of flaky failed'},
      attempts: 3,
      failedAt: undefined,
      replayCount: 0,
      status: 'pending',
      deadLetter: {topic: `${queue}-dlt`, partition: 0, offset: flaky!.deadLetter.offset},
      original: {topic: queue, partition: 0, offset: 0},
      key: 'user-1',
    })
  })

  it('selects with --job, --reason, --id, --since and --limit', async () => {
    const idsOf = async (args: string[]) => (await list(args)).deadLetters.map((each) => each.job ?? each.reason)
    assert.deepEqual(await idsOf(['--job', 'Fatal']), ['Fatal'])
    assert.deepEqual(await idsOf(['--reason', 'malformed']), ['malformed'])
    assert.deepEqual(await idsOf(['--id', ids.flaky, '--id', ids.fatal]).then((jobs) => jobs.sort()), ['FailsUntil', 'Fatal'])
    assert.deepEqual(await idsOf(['--since', '1h']).then((jobs) => jobs.length), 3)
    assert.deepEqual(await idsOf(['--since', new Date(Date.now() + HOUR).toISOString()]), [])
    assert.equal((await list(['--limit', '2'])).deadLetters.length, 2)
  })

  it('refuses an unknown id or reason with one line and exit code 2', async () => {
    const unknown = await kq(['dlt:list', queue, '--group', group, '--id', 'nope'])
    assert.equal(unknown.code, ExitCode.Usage)
    assert.equal(unknown.stderr, `Error: no pending dead letter has id nope in ${queue}-dlt: see the pending ones with \`kq dlt:list\` (--all for handled ones too)\n`)
    const reason = await kq(['dlt:list', queue, '--reason', 'bored'])
    assert.equal(reason.code, ExitCode.Usage)
    assert.match(reason.stderr, /^Error: Expected --reason=bored to be one of: exhausted, fatal, timeout, malformed, unknown-job/)
  })

  it('includes handled dead letters with --all, and says how many are handled', async () => {
    const owned = await createQueue('dlt-list-all')
    await writeDeadLetters(owned, [{}, {}, {}])
    const purge = await runKq(['dlt:purge', owned, '--group', group, '--id', '0:1', '--yes'])
    assert.equal(purge.code, 0, purge.stderr)

    const pending = await runKq<DltListResult>(['dlt:list', owned, '--group', group, '--json'])
    assert.deepEqual(pending.result?.deadLetters.map((each) => each.deadLetter.offset), [0, 2])
    const all = await kq(['dlt:list', owned, '--group', group, '--all'])
    assert.equal(all.code, 0, all.stderr)
    assert.deepEqual(all.stdout.split('\n').slice(1, 4).map((line) => line.split(/\s+/).at(-1)), ['pending', 'handled', 'pending'])
    assert.match(all.stdout, new RegExp(`2 pending dead letters in ${owned}-dlt, 1 handled\\.\\n$`))
  })

  it('takes a job id in place of the queue as --id, as dlt:replay ID does', async () => {
    const {code, stdout, stderr} = await kq(['dlt:list', ids.fatal, '--group', group, '--json'], {env: {KAFKA_QUEUE: queue}})
    assert.equal(code, 0, stderr)
    assert.deepEqual((JSON.parse(stdout) as DltListResult).deadLetters.map((letter) => letter.id), [ids.fatal])
  })

  it('takes the queue as --queue too, as dlt:show does and Laravel spells it, but not twice', async () => {
    const [argument, flag] = await Promise.all([kq(['dlt:list', queue, '--group', group, '--json']), kq(['dlt:list', '--queue', queue, '--group', group, '--json'])])
    assert.equal(flag.code, 0, flag.stderr)
    assert.deepEqual(JSON.parse(flag.stdout), JSON.parse(argument.stdout))
    const twice = await kq(['dlt:list', queue, '--queue', 'other'])
    assert.deepEqual([twice.code, twice.stderr], [ExitCode.Usage, `Error: queue given twice, as the argument (${queue}) and as --queue (other): give one\n`])
  })

  it('says so, and exits 0, when there are no dead letters', async () => {
    const empty = await createQueue('dlt-list-empty')
    const {code, stdout, stderr} = await kq(['dlt:list', empty])
    assert.equal(code, 0, stderr)
    assert.equal(stdout, `No dead letters in ${empty}-dlt.\n`)
  })

  // Laravel's queue:failed lists every queue's failures: "no dead letters" for the default queue
  // alone, while another queue holds some, sent people looking in the wrong place.
  it('names the other queues with pending dead letters when no queue is named', async () => {
    const empty = await createQueue('dlt-list-default')
    const env = {KAFKA_QUEUE: empty}
    const {code, stdout, stderr} = await kq(['dlt:list', '--group', group], {env})
    assert.equal(code, 0, stderr)
    const [none, others] = stdout.trimEnd().split('\n')
    assert.equal(none, `No dead letters in ${empty}-dlt.`)
    assert.match(others, /^Other queues have pending dead letters: .+: `kq dlt:list \S+` lists them\.$/)
    assert.ok(others.includes(` ${queue} (3)`), others)
    const json = await kq(['dlt:list', '--group', group, '--json'], {env})
    assert.deepEqual((JSON.parse(json.stdout) as DltListResult).otherQueues?.find((each) => each.queue === queue), {queue, pending: 3})
    const named = await list([])
    assert.equal(named.otherQueues, undefined, 'a queue named is the only one asked about')
  })

  it('answers a mistyped queue with the queue meant, not with topic:create, exit 6', async () => {
    const mistyped = queue.slice(0, -1)
    const {code, stdout, stderr} = await kq(['dlt:list', mistyped])
    assert.equal(code, ExitCode.KafkaRefused)
    assert.equal(stdout, '')
    assert.equal(stderr, `Error: no queue named ${mistyped} (its topic ${mistyped} does not exist): did you mean ${queue}? \`kq topic:list\` shows the queues there are\n`)
  })

  it('answers a queue that does not exist with where to see the queues there are', async () => {
    const {code, stderr} = await kq(['dlt:list', uniqueTopic('no-such-queue-here')])
    assert.equal(code, ExitCode.KafkaRefused)
    assert.match(stderr, /^Error: no queue named (\S+) \(its topic \1 does not exist\): see `kq topic:list` for the queues there are\n$/)
  })

  it('points at topic:create for a queue that exists without its dead-letter topic', async () => {
    const bare = uniqueTopic('dlt-list-bare')
    await withTopicAdmin(testConnection(), async (admin) => admin.createTopics([{name: bare, partitions: 1, replicationFactor: 1}]))
    const {code, stderr} = await kq(['dlt:list', bare])
    assert.equal(code, ExitCode.KafkaRefused)
    assert.equal(
      stderr,
      `Error: topic ${bare}-dlt does not exist: create it with \`kq topic:create ${bare}\` (it is the dead-letter topic of queue ${bare}; topics that exist are left alone)\n`,
    )
  })

  it('answers a broker that is down with one line and exit code 5', async () => {
    const {code, stderr} = await kq(['dlt:list', queue, '--brokers', `127.0.0.1:${await closedPort()}`])
    assert.equal(code, ExitCode.Unreachable)
    assert.match(stderr, /^Error: cannot reach Kafka at 127\.0\.0\.1:\d+ \(connection refused\): [^\n]+\n$/)
  })
})
