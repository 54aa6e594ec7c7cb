import {strict as assert} from 'node:assert'
import {spawn} from 'node:child_process'
import {readFileSync, rmSync} from 'node:fs'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {REPLAY_CHUNK, type ReplayResult} from '../../../src/lib/dead-letter/store.js'
import {newJobId} from '../../../src/lib/envelope/index.js'
import {ExitCode} from '../../../src/lib/errors.js'
import {openTopicAdmin, openTopicReader, withTopicAdmin} from '../../../src/lib/kafka/index.js'
import {type TestApp, makeTestApp} from '../../support/app.js'
import {kq, runKq, uniqueTopic} from '../../support/cli.js'
import {cursorOf, pendingOffsets, writeDeadLetters} from '../../support/dead-letters.js'
import {KQ_BIN} from '../../support/paths.js'
import {isUtilLinuxScript, kqOnTerminal} from '../../support/terminal.js'
import {createQueue, endOffsetTotal, kcatRecords, testConnection} from '../../support/topics.js'
import {createWorkedQueue} from '../../support/worker.js'

const HOUR = 3_600_000

/** Fails while the file `broken` exists in the working folder; then notes each run in ran.ndjson. */
const FLAKY_JOB = `import {appendFileSync, existsSync} from 'node:fs'

import {Job, type JobContext} from 'kq'

export default class Flaky extends Job<{tag: string}> {
  override tries = 1

  override async handle(payload: {tag: string}, ctx: JobContext): Promise<void> {
    if (existsSync('broken')) throw new Error('still broken')
    appendFileSync('ran.ndjson', JSON.stringify({id: ctx.id, attempt: ctx.attempt, tag: payload.tag}) + '\\n')
  }
}
`

describe('kq dlt:replay', function () {
  this.timeout(60_000)

  const replay = async (queue: string, group: string, args: string[]) => {
    const {code, result, stderr, error} = await runKq<ReplayResult>(['dlt:replay', queue, '--group', group, '--yes', '--json', ...args])
    assert.equal(code, 0, `${stderr} ${error?.message}`)
    return result!
  }

  it('puts the job back on its queue with its key, attempt 1, its own headers and its lineage, and marks it handled', async () => {
    const queue = await createQueue('dlt-replay')
    const group = uniqueTopic('g')
    const written = await writeDeadLetters(queue, [{}, {key: 'user-42', payload: {to: 'ada'}, headers: {'trace-id': 'abc'}}, {}])
    const result = await replay(queue, group, ['--id', written[1].id!])
    assert.deepEqual(result.replayed.map((each) => [each.id, each.deadLetter, each.replayCount]), [[written[1].id, '0:1', 1]])

    const [record] = await kcatRecords(queue)
    assert.equal(record.key, 'user-42')
    assert.deepEqual(record.headers, {'trace-id': 'abc', 'kq-job': 'SendEmail', 'kq-job-id': written[1].id, 'kq-replayed-from': `${queue}-dlt:0:1`, 'kq-replay-count': '1'})
    const envelope = JSON.parse(record.payload)
    assert.deepEqual([envelope.id, envelope.attempt, envelope.payload], [written[1].id, 1, {to: 'ada'}])
    // Handled out of order: the cursor stays before the first pending one, and remembers the second.
    assert.deepEqual(await pendingOffsets(queue, group), [0, 2])
    assert.deepEqual(await cursorOf(queue, group), [{partition: 0, offset: 0}])
    const reader = await openTopicReader(testConnection())
    assert.deepEqual(await reader.committed(`${group}-dlt`, `${queue}-dlt`), [{partition: 0, offset: 0, metadata: 'kq-dlt/1 1'}])
    await reader.close()

    // The rest: the cursor passes all three and forgets the ranges.
    assert.equal((await replay(queue, group, [])).replayed.length, 2)
    assert.deepEqual(await cursorOf(queue, group), [{partition: 0, offset: 3}])
    assert.deepEqual(await pendingOffsets(queue, group), [])
  })

  it("takes a job id in place of the queue, as Laravel's queue:retry ID does, and replays that one", async () => {
    const queue = await createQueue('dlt-replay-id-argument')
    const group = uniqueTopic('g')
    const written = await writeDeadLetters(queue, [{}, {}])
    const {code, stdout, stderr} = await kq(['queue:retry', written[1].id!, '--group', group, '--yes', '--json'], {env: {KAFKA_QUEUE: queue}})
    assert.equal(code, 0, stderr)
    assert.deepEqual((JSON.parse(stdout) as ReplayResult).replayed.map((each) => each.deadLetter), ['0:1'])
    assert.deepEqual(await pendingOffsets(queue, group), [0])
  })

  it("takes several job ids, as Laravel's queue:retry ID ID does: replays each found once, and names the one not found on its summary line", async () => {
    const queue = await createQueue('dlt-replay-ids')
    const group = uniqueTopic('g')
    const [first, , third] = (await writeDeadLetters(queue, [{}, {}, {}])).map((written) => written.id!)
    const missing = newJobId()
    const {code, stdout, stderr} = await kq(['queue:retry', first, third, first, missing, '--group', group, '--yes'], {env: {KAFKA_QUEUE: queue}})
    assert.equal(code, 0, stderr)
    assert.match(stdout, new RegExp(`^Replayed 2 dead letters from ${queue}-dlt to ${queue}; no pending dead letter has id ${missing}\\n`))
    assert.deepEqual(await pendingOffsets(queue, group), [1])
    assert.equal(await endOffsetTotal(queue), 2)
  })

  it('refuses an id when the queue has no pending dead letters at all, as when it has others, and writes nothing', async () => {
    const queue = await createQueue('dlt-replay-id-empty')
    for (const command of ['dlt:replay', 'dlt:purge']) {
      const {code, stdout, stderr} = await kq([command, queue, '--id', newJobId(), '--yes'])
      assert.equal(code, ExitCode.Usage, stdout)
      assert.match(stderr, new RegExp(`^Error: no pending dead letter has id \\S+ in ${queue}-dlt: see the pending ones with \`kq dlt:list\`[^\\n]*\\n$`))
    }

    assert.equal(await endOffsetTotal(queue), 0)
  })

  it("takes the queue as --queue with job ids as arguments, as Laravel's queue:retry --queue", async () => {
    const queue = await createQueue('dlt-replay-queue-flag')
    const group = uniqueTopic('g')
    const [first, second] = (await writeDeadLetters(queue, [{}, {}])).map((written) => written.id!)
    const {code, stdout, stderr} = await kq(['queue:retry', second, '--queue', queue, '--group', group, '--yes', '--json'])
    assert.equal(code, 0, stderr)
    assert.deepEqual((JSON.parse(stdout) as ReplayResult).replayed.map((each) => each.id), [second])
    assert.deepEqual(await pendingOffsets(queue, group), [0], `${first} was replayed`)
  })

  it('refuses, before it connects, an argument after the first that is not a job id', async () => {
    const {code, stdout, stderr} = await kq(['dlt:replay', 'orders', newJobId(), 'emails', '--yes', '--brokers', '127.0.0.1:1'])
    assert.deepEqual([code, stdout], [ExitCode.Usage, ''])
    assert.equal(stderr, 'Error: emails is not a job id: `kq dlt:replay` takes one queue or job id first, then only job ids (or <partition>:<offset> positions)\n')
  })

  it('answers a queue that does not exist with where to see the queues there are, writing nothing', async () => {
    const missing = uniqueTopic('no-such-queue')
    const {code, stdout, stderr} = await kq(['queue:retry', missing, '--yes'])
    assert.deepEqual([code, stdout], [ExitCode.KafkaRefused, ''])
    assert.equal(stderr, `Error: no queue named ${missing} (its topic ${missing} does not exist): see \`kq topic:list\` for the queues there are\n`)
    const topics = await withTopicAdmin(testConnection(), async (admin) => admin.listTopics())
    assert.deepEqual(topics.filter((topic) => topic.startsWith(missing)), [])
  })

  it("answers Laravel's queue:retry all, when no queue is named all, with the command that replays them all", async () => {
    const queue = await createQueue('dlt-replay-all')
    const {code, stdout, stderr} = await kq(['queue:retry', 'all', '--yes'], {env: {KAFKA_QUEUE: queue}})
    assert.equal(code, ExitCode.Usage)
    assert.equal(stdout, '')
    assert.equal(
      stderr,
      `Error: there is no queue all: \`kq dlt:replay --yes\` takes every pending dead letter of ${queue}, as Laravel's queue:retry all does (name a queue for another's)\n`,
    )
  })

  it('gives a worker the replayed job, which runs as attempt 1 with its id', async () => {
    const app: TestApp = makeTestApp({jobs: {Flaky: FLAKY_JOB}, files: {broken: ''}})
    try {
      const {queue, group} = await createWorkedQueue('dlt-replay-work')
      const dispatched = await kq(['dispatch', 'Flaky', '{"tag":"x"}', '--queue', queue, '--json'], {cwd: app.root})
      const {id} = JSON.parse(dispatched.stdout) as {id: string}
      const work = () => kq(['work', queue, '--group', group, '--stop-when-empty'], {cwd: app.root})
      assert.match((await work()).stdout, /1 dead-lettered/)

      rmSync(path.join(app.root, 'broken'))
      const replayed = await kq(['dlt:replay', queue, '--group', group, '--yes'])
      assert.equal(replayed.code, 0, replayed.stderr)
      assert.match(replayed.stdout, new RegExp(`^Replayed 1 dead letter from ${queue}-dlt to ${queue}\\n`))
      const {code, stdout, stderr} = await work()
      assert.equal(code, 0, stderr)
      assert.match(stdout, /1 done, 0 failed/)
      const ran = readFileSync(path.join(app.root, 'ran.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line))
      assert.deepEqual(ran, [{id, attempt: 1, tag: 'x'}])
      assert.deepEqual(await pendingOffsets(queue, group), [])
    } finally {
      app.remove()
    }
  })

  it('selects with --job, --reason, --since and --limit, oldest first', async () => {
    const queue = await createQueue('dlt-replay-select')
    const group = uniqueTopic('g')
    const ago = (hours: number) => new Date(Date.now() - hours * HOUR)
    await writeDeadLetters(queue, [
      {job: 'Alpha', failedAt: ago(3)},
      {job: 'Beta', reason: 'fatal', failedAt: ago(2)},
      {job: 'Alpha', reason: 'timeout'},
      {job: 'Beta'},
      {job: 'Alpha'},
    ])
    const offsets = (result: ReplayResult) => result.replayed.map((each) => each.deadLetter)
    assert.deepEqual(offsets(await replay(queue, group, ['--job', 'Beta', '--reason', 'fatal'])), ['0:1'])
    assert.deepEqual(offsets(await replay(queue, group, ['--since', '30m', '--reason', 'timeout'])), ['0:2'])
    assert.deepEqual(offsets(await replay(queue, group, ['--limit', '1'])), ['0:0'])
    assert.deepEqual(offsets(await replay(queue, group, ['--job', 'Beta'])), ['0:3'])
    assert.deepEqual(await pendingOffsets(queue, group), [4])
    assert.deepEqual((await kcatRecords(queue)).map((record) => record.headers['kq-replayed-from']), [1, 2, 0, 3].map((offset) => `${queue}-dlt:0:${offset}`))
  })

  it('refuses a job replayed --max-replays times, saying how to override, and replays it with a higher limit', async () => {
    const queue = await createQueue('dlt-replay-limit')
    const group = uniqueTopic('g')
    const [poison] = await writeDeadLetters(queue, [{headers: {'kq-replay-count': '3', 'kq-replayed-from': 'x-dlt:0:0'}}])
    const refused = await kq(['dlt:replay', queue, '--group', group, '--yes'])
    assert.equal(refused.code, ExitCode.Usage)
    const message = `dead letter ${poison.id} was replayed 3 times already (--max-replays 3): fix what fails, then pass --max-replays 4 to replay it again, or purge it`
    assert.equal(refused.stderr, `Warning: ${message}\nError: ${message}\n`)
    assert.equal(await endOffsetTotal(queue), 0)
    assert.deepEqual(await pendingOffsets(queue, group), [0])

    const allowed = await replay(queue, group, ['--max-replays', '4'])
    assert.deepEqual(allowed.replayed.map((each) => each.replayCount), [4])
    assert.equal((await kcatRecords(queue))[0].headers['kq-replay-count'], '4')
  })

  it('will not replay a message that is not a job, and replays the others of the selection', async () => {
    const queue = await createQueue('dlt-replay-malformed')
    const group = uniqueTopic('g')
    await writeDeadLetters(queue, [{raw: 'garbage'}, {}])
    const {code, stdout, stderr} = await kq(['dlt:replay', queue, '--group', group, '--yes'])
    assert.equal(code, 0, stderr)
    assert.match(stdout, /^Replayed 1 dead letter/)
    assert.match(stderr, /^Warning: dead letter 0:0 is not a kq job \(.+\), so it cannot be replayed: remove it with `kq dlt:purge --id 0:0`\n$/)
    assert.deepEqual(await pendingOffsets(queue, group), [0])
  })

  it('changes nothing with --dry-run: no record sent, the cursor where it was', async () => {
    const queue = await createQueue('dlt-replay-dry')
    const group = uniqueTopic('g')
    await writeDeadLetters(queue, [{}, {}, {}])
    await replay(queue, group, ['--id', '0:0'])
    const before = await cursorOf(queue, group)
    const {code, stdout, stderr} = await kq(['dlt:replay', queue, '--group', group, '--dry-run'])
    assert.equal(code, 0, stderr)
    assert.match(stdout, new RegExp(`^Would replay 2 dead letters from ${queue}-dlt to ${queue} \\(dry run: nothing was sent\\)\\n`))
    assert.match(stdout, /\s0:1\s+#1\n/)
    assert.deepEqual(await cursorOf(queue, group), before)
    assert.deepEqual(before, [{partition: 0, offset: 1}])
    assert.equal(await endOffsetTotal(queue), 1)
  })

  it('refuses, without a terminal, to replay unless --yes (or --dry-run)', async () => {
    const queue = await createQueue('dlt-replay-script')
    await writeDeadLetters(queue, [{}])
    const {code, stdout, stderr} = await kq(['dlt:replay', queue])
    assert.equal(code, ExitCode.Usage)
    assert.equal(stdout, '')
    assert.equal(stderr, 'Error: replaying dead letters needs a confirmation, and there is no terminal to ask on: pass --yes to go ahead, or --dry-run to see what would happen\n')
    assert.equal(await endOffsetTotal(queue), 0)
  })

  it("names the queue holding an --id when none is named and the default queue lacks it, replaying nothing", async function () {
    // Every queue of the shared test broker with dead letters is read: allow for many.
    this.timeout(180_000)
    const queue = await createQueue('dlt-replay-elsewhere')
    const [written] = await writeDeadLetters(queue, [{}])
    const defaultQueue = await createQueue('dlt-replay-default')
    const {code, stdout, stderr} = await kq(['dlt:replay', '--id', written.id!, '--yes'], {env: {KAFKA_QUEUE: defaultQueue}})
    assert.equal(code, ExitCode.Usage)
    assert.equal(stdout, '')
    assert.equal(
      stderr,
      `Error: no pending dead letter has id ${written.id} in ${defaultQueue}-dlt: it is in queue ${queue}'s: run \`kq dlt:replay ${queue} --id ${written.id}\`\n`,
    )
    assert.equal(await endOffsetTotal(queue), 0)
  })

  it('says there is nothing to replay, and exits 0, when nothing is pending', async () => {
    const queue = await createQueue('dlt-replay-empty')
    const {code, stdout, stderr} = await kq(['dlt:replay', queue, '--yes'])
    assert.equal(code, 0, stderr)
    assert.equal(stdout, `Nothing to replay: no pending dead letters in ${queue}-dlt.\n`)
  })

  it('refuses while another client holds the cursor group, rather than replaying twice', async () => {
    const queue = await createQueue('dlt-replay-busy')
    const group = uniqueTopic('g')
    await writeDeadLetters(queue, [{}])
    const reader = await openTopicReader(testConnection())
    const answer = await reader.holdGroup(`${group}-dlt`, `${queue}-dlt`)
    try {
      assert.ok('held' in answer)
      const {code, stderr} = await kq(['dlt:replay', queue, '--group', group, '--yes'])
      assert.equal(code, ExitCode.KafkaRefused)
      assert.match(stderr, new RegExp(`^Error: the dead letters of ${queue}-dlt are being handled by another client \\(group ${group}-dlt is in use by kq-test at [^)]+\\): try again once it is done\\n$`))
      assert.equal(await endOffsetTotal(queue), 0)
    } finally {
      if ('held' in answer) await answer.held.release()
      await reader.close()
    }
  })

  it('loses no dead letter when killed mid-replay, and replays at most one chunk twice', async () => {
    const total = 6000
    const queue = await createQueue('dlt-replay-crash')
    const group = uniqueTopic('g')
    await writeDeadLetters(queue, Array.from({length: total}, () => ({})))
    const child = spawn(process.execPath, [KQ_BIN, 'dlt:replay', queue, '--group', group, '--yes'], {stdio: 'ignore'})
    const exited = new Promise((resolve) => {
      child.on('exit', resolve)
    })
    // Killed once the cursor has passed a first chunk: some dead letters are handled, the next
    // chunk is on its way or acknowledged, the rest still waits.
    const admin = await openTopicAdmin(testConnection())
    try {
      while (((await admin.committedOffsets(`${group}-dlt`, `${queue}-dlt`))[0]?.offset ?? -1) <= 0 && child.exitCode === null) await sleep(2)
      child.kill('SIGKILL')
    } finally {
      await admin.close()
    }

    await exited

    const replayedFrom = (records: Awaited<ReturnType<typeof kcatRecords>>) =>
      records.map((record) => Number(record.headers['kq-replayed-from'].split(':').at(-1)))
    const replayed = new Set(replayedFrom(await kcatRecords(queue)))
    const pending = new Set(await pendingOffsets(queue, group))
    assert.ok(replayed.size < total, `the kill came after all ${total} replays`)
    assert.ok(total - pending.size >= REPLAY_CHUNK, 'the cursor had passed a first chunk')
    const lost = Array.from({length: total}, (_, offset) => offset).filter((offset) => !replayed.has(offset) && !pending.has(offset))
    assert.deepEqual(lost, [], 'every dead letter is either replayed or still pending')
    // Replayed but not yet marked handled when killed: these go out a second time.
    const duplicates = [...pending].filter((offset) => replayed.has(offset)).length
    assert.ok(duplicates <= REPLAY_CHUNK, `${duplicates} duplicates`)

    await replay(queue, group, [])
    const all = replayedFrom(await kcatRecords(queue))
    assert.equal(new Set(all).size, total)
    assert.equal(all.length, total + duplicates)
    assert.deepEqual(await pendingOffsets(queue, group), [])
  })

  it('keeps each job on its partition, and moves the cursor on every partition of the dead-letter topic', async () => {
    const queue = await createQueue('dlt-replay-partitions', 3)
    const group = uniqueTopic('g')
    await writeDeadLetters(queue, Array.from({length: 12}, (_, index) => ({key: `user-${index}`})))
    const letters = await kcatRecords(`${queue}-dlt`)
    assert.ok(new Set(letters.map((letter) => letter.partition)).size > 1, 'the keys spread over partitions')
    await replay(queue, group, [])
    const replays = await kcatRecords(queue)
    assert.equal(replays.length, 12)
    for (const record of replays) {
      const letter = letters.find((each) => `${queue}-dlt:${each.partition}:${each.offset}` === record.headers['kq-replayed-from'])
      assert.deepEqual([record.key, record.partition], [letter?.key, letter?.partition])
    }

    const ends = await withTopicAdmin(testConnection(), (admin) => admin.topicOffsets(`${queue}-dlt`))
    assert.deepEqual(await cursorOf(queue, group), ends.map(({partition, high}) => ({partition, offset: high})))
  })

  it('prints the documented JSON shape', async () => {
    const queue = await createQueue('dlt-replay-json')
    const group = uniqueTopic('g')
    const [written] = await writeDeadLetters(queue, [{key: 'k'}])
    const result = await replay(queue, group, [])
    assert.deepEqual(result, {
      queue,
      topic: `${queue}-dlt`,
      to: queue,
      group: `${group}-dlt`,
      dryRun: false,
      replayed: [{id: written.id, job: 'SendEmail', deadLetter: '0:0', replayCount: 1, partition: 0, offset: 0}],
      refused: [],
      alreadyHandled: [],
      cursor: [{partition: 0, offset: 1, metadata: null, handledBeyond: 0}],
    })
  })

  describe('on a terminal', () => {
    before(function () {
      if (!isUtilLinuxScript()) {
        process.stderr.write('      (no util-linux `script`: the interactive tests cannot get a pseudo-terminal)\n')
        this.skip()
      }
    })

    it('lets you tick the dead letters to replay in a table, then asks before replaying them', async () => {
      const queue = await createQueue('dlt-replay-tty')
      const group = uniqueTopic('g')
      await writeDeadLetters(queue, [{job: 'Alpha'}, {job: 'Beta'}, {job: 'Gamma'}])
      const terminal = kqOnTerminal(['dlt:replay', queue, '--group', group], process.cwd())
      await terminal.expect(/Dead letters to replay/)
      await terminal.expect(/ID\s+JOB\s+REASON\s+FAILED AT/)
      await terminal.expect(/Gamma/)
      // Down to Beta, tick it, go on.
      terminal.type('\u001B[B')
      terminal.type(' ')
      terminal.type('\r')
      await terminal.expect(/Replay 1 dead letter \(Beta\) to /)
      terminal.type('y\r')
      assert.equal(await terminal.exited, 0, terminal.screen())
      assert.match(terminal.screen(), /Replayed 1 dead letter/)
      assert.deepEqual(await pendingOffsets(queue, group), [0, 2])
      assert.deepEqual((await kcatRecords(queue)).map((record) => record.headers['kq-job']), ['Beta'])
    })

    it('replays nothing when the answer is no', async () => {
      const queue = await createQueue('dlt-replay-no')
      const group = uniqueTopic('g')
      await writeDeadLetters(queue, [{}, {}])
      const before = await cursorOf(queue, group)
      const terminal = kqOnTerminal(['dlt:replay', queue, '--group', group, '--id', '0:1'], process.cwd())
      await terminal.expect(/Replay 1 dead letter \(SendEmail\) to /)
      terminal.type('n\r')
      assert.equal(await terminal.exited, 0, terminal.screen())
      assert.match(terminal.screen(), /Nothing was replayed\./)
      assert.deepEqual(await cursorOf(queue, group), before)
      assert.equal(await endOffsetTotal(queue), 0)
    })

    it('shows a progress bar while replaying many', async () => {
      const queue = await createQueue('dlt-replay-bar')
      await writeDeadLetters(queue, Array.from({length: 600}, () => ({})))
      const terminal = kqOnTerminal(['dlt:replay', queue, '--yes'], process.cwd())
      await terminal.expect(/Replaying .*\d+% [\d,]+\/600/)
      assert.equal(await terminal.exited, 0, terminal.screen())
      assert.match(terminal.screen(), /Replayed 600 dead letters/)
    })
  })
})
