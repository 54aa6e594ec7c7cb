import {strict as assert} from 'node:assert'
import {writeFileSync} from 'node:fs'
import path from 'node:path'

import {delayTopicsOf} from '../../src/lib/delay/ladder.js'
import {type DispatchReceipt} from '../../src/lib/dispatch/index.js'
import {ExitCode} from '../../src/lib/errors.js'
import {withTopicAdmin} from '../../src/lib/kafka/index.js'
import {type TestApp, jobSource, makeTestApp} from '../support/app.js'
import {kq, uniqueTopic} from '../support/cli.js'
import {type KcatRecord, createQueue, endOffsetTotal, kcatRecords, testConnection} from '../support/topics.js'

const HOUR = 3_600_000

describe('kq dispatch --delay / --at', function () {
  this.timeout(60_000)
  let app: TestApp
  let queue: string

  before(async () => {
    app = makeTestApp({jobs: {SendReminder: jobSource('SendReminder')}})
    queue = await createQueue('delayed', 3)
  })

  after(() => app.remove())

  const dispatch = (args: string[], input = '') => kq(['dispatch', 'SendReminder', ...args, '--queue', queue], {cwd: app.root, input})

  /** Dispatches with --json and finds the record kcat reads where the receipt says it landed. */
  async function dispatchDelayed(args: string[]): Promise<{receipt: DispatchReceipt; record: KcatRecord; sentBetween: [number, number]}> {
    const before = Date.now()
    const {code, stdout, stderr} = await dispatch([...args, '--json'])
    const after = Date.now()
    assert.equal(code, 0, stderr)
    const receipt = JSON.parse(stdout) as DispatchReceipt
    const record = (await kcatRecords(receipt.topic)).find((each) => each.headers['kq-job-id'] === receipt.id)
    assert.ok(record, `kcat does not see job ${receipt.id} on ${receipt.topic}`)
    assert.equal(record.partition, receipt.partition)
    assert.equal(record.offset, receipt.offset)
    return {receipt, record, sentBetween: [before, after]}
  }

  it('puts a delayed job on the delay topic of its rung: the ordinary job plus its due time in kq-not-before', async () => {
    const {receipt, record, sentBetween} = await dispatchDelayed(['{"userId":42}', '--delay', '90', '--header', 'trace=t-1'])
    assert.equal(receipt.topic, `${queue}-delay-1m`)
    assert.deepEqual(Object.keys(receipt), ['id', 'job', 'queue', 'topic', 'partition', 'offset', 'dueAt'])
    const due = Date.parse(record.headers['kq-not-before'])
    assert.ok(due >= sentBetween[0] + 90_000 && due <= sentBetween[1] + 90_000, `due ${record.headers['kq-not-before']}`)
    assert.deepEqual(record.headers, {trace: 't-1', 'kq-job': 'SendReminder', 'kq-job-id': receipt.id, 'kq-not-before': receipt.dueAt})
    const envelope = JSON.parse(record.payload)
    assert.deepEqual([envelope.id, envelope.job, envelope.queue, envelope.payload], [receipt.id, 'SendReminder', queue, {userId: 42}])
  })

  it('chooses the longest rung that does not overshoot the delay', async () => {
    const rungs: Array<[string, string]> = [
      ['1s', '1s'],
      ['15', '10s'],
      ['10m', '10m'],
      ['1h30m', '1h'],
      ['3d', '1d'],
    ]
    for (const [delay, rung] of rungs) {
      const {receipt} = await dispatchDelayed(['{}', '--delay', delay])
      assert.equal(receipt.topic, `${queue}-delay-${rung}`, `--delay ${delay}`)
    }
  })

  it('keeps a keyed delayed job on the partition its key has on the queue topic', async () => {
    for (const key of ['user-1', 'order-9000']) {
      const now = await dispatchDelayed(['{}', '--key', key])
      const later = await dispatchDelayed(['{}', '--key', key, '--delay', '30s'])
      assert.equal(now.receipt.topic, queue)
      assert.equal(later.record.key, key)
      assert.equal(later.receipt.partition, now.receipt.partition, `key ${key}`)
    }
  })

  it('puts a job due in less than a second on the queue topic itself, with its due time', async () => {
    const {receipt, record} = await dispatchDelayed(['{}', '--delay', '500ms'])
    assert.equal(receipt.topic, queue)
    assert.equal(record.headers['kq-not-before'], receipt.dueAt)
  })

  it('sends a job with no delay, or a delay of 0, as an ordinary job without a due time', async () => {
    const {receipt, record} = await dispatchDelayed(['{}', '--delay', '0'])
    assert.equal(receipt.topic, queue)
    assert.equal(receipt.dueAt, undefined)
    assert.equal(record.headers['kq-not-before'], undefined)
  })

  it('takes the due time from --at, in UTC or with an offset', async () => {
    const at = new Date(Math.ceil((Date.now() + 2 * HOUR) / 1000) * 1000)
    const {receipt, record} = await dispatchDelayed(['{}', '--at', at.toISOString().replace('.000Z', 'Z')])
    assert.equal(receipt.topic, `${queue}-delay-1h`)
    assert.equal(receipt.dueAt, at.toISOString())
    assert.equal(record.headers['kq-not-before'], at.toISOString())

    const local = new Date(at.getTime() + HOUR).toISOString().replace('.000Z', '+01:00')
    const offset = await dispatchDelayed(['{}', '--at', local])
    assert.equal(offset.receipt.dueAt, at.toISOString())
  })

  it('names the due time and its rung for people', async () => {
    const {code, stdout} = await dispatch(['{}', '--delay', '10m'])
    assert.equal(code, 0)
    assert.match(stdout, new RegExp(`\\n  topic ${queue}-delay-10m, partition [0-2], offset \\d+\\n  due \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(in (9m59s|10m00s)\\)\\n$`))
  })

  it('gives every job of an --ndjson bulk the same due time', async () => {
    const file = path.join(app.root, 'reminders.ndjson')
    writeFileSync(file, ['{"userId":1}', '{"userId":2}', '{"userId":3}'].join('\n') + '\n')
    const {code, stdout, stderr} = await kq(['dispatch', 'SendReminder', '--ndjson', file, '--queue', queue, '--delay', '2h', '--json'], {cwd: app.root})
    assert.equal(code, 0, stderr)
    const result = JSON.parse(stdout)
    assert.equal(result.topic, `${queue}-delay-1h`)
    assert.equal(result.count, 3)
    const records = (await kcatRecords(`${queue}-delay-1h`)).filter((record) => record.headers['kq-not-before'] === result.dueAt)
    assert.deepEqual(records.map((record) => JSON.parse(record.payload).payload.userId).sort(), [1, 2, 3])
    const human = await kq(['dispatch', 'SendReminder', '--ndjson', file, '--queue', queue, '--delay', '1m'], {cwd: app.root})
    assert.match(human.stdout, new RegExp(`^Dispatched 3 SendReminder jobs to ${queue}-delay-1m in [\\d.]+s \\([\\d,]+ jobs/s\\), due \\S+Z \\(in (59s|1m00s)\\)$`, 'm'))
  })

  describe('refuses a bad delay or due time with one line and exit 2, and writes nothing', () => {
    const soon = () => new Date(Date.now() + HOUR).toISOString()
    const refusals: Array<[string, () => string[], RegExp]> = [
      ['a delay that is not a duration', () => ['--delay', 'soon'], /^Error: --delay must be seconds or a duration such as 90, 1\.5, 500ms, 30s, 10m, 2h, 1d or 1h30m, got "soon"$/],
      ['a negative delay', () => ['--delay=-5'], /^Error: --delay must not be negative, got "-5": give 0 or more seconds$/],
      ['a delay beyond the maximum', () => ['--delay', '91d'], /^Error: --delay "91d" is longer than the maximum of 90 days \(90d\)/],
      ['a due time in the past', () => ['--at', '2020-01-01T00:00:00Z'], /^Error: --at 2020-01-01T00:00:00\.000Z is in the past \(now is .+\): give a later time, or none to dispatch now$/],
      ['a due time without a timezone', () => ['--at', '2026-12-01T09:00:00'], /^Error: --at "2026-12-01T09:00:00" has no timezone: end it with Z \(UTC\) or an offset such as \+01:00$/],
      ['a due time beyond the maximum', () => ['--at', new Date(Date.now() + 91 * 24 * HOUR).toISOString()], /^Error: --at \S+ is more than 90 days \(90d\) away/],
      ['both --delay and --at', () => ['--delay', '10', '--at', soon()], /^Error: give either --delay or --at, not both$/],
    ]
    for (const [what, args, message] of refusals) {
      it(what, async () => {
        const topics = [queue, ...delayTopicsOf(queue)]
        const before = await Promise.all(topics.map((topic) => endOffsetTotal(topic)))
        const {code, stdout, stderr} = await dispatch(['{}', ...args()])
        assert.equal(code, ExitCode.Usage, stderr)
        assert.match(stderr.trim(), message)
        assert.equal(stderr.trim().split('\n').length, 1, stderr)
        assert.equal(stdout, '')
        assert.deepEqual(await Promise.all(topics.map((topic) => endOffsetTotal(topic))), before)
      })
    }

    it('a bad delay for an --ndjson bulk, before any line is sent', async () => {
      const file = path.join(app.root, 'bulk.ndjson')
      writeFileSync(file, '{"userId":1}\n')
      const before = await endOffsetTotal(queue)
      const {code, stderr} = await kq(['dispatch', 'SendReminder', '--ndjson', file, '--queue', queue, '--delay', '1x'], {cwd: app.root})
      assert.equal(code, ExitCode.Usage)
      assert.match(stderr, /^Error: --delay must be seconds or a duration/)
      assert.equal(await endOffsetTotal(queue), before)
    })
  })

  it('points at topic:create for a queue made before kq had delay topics, and writes nothing', async () => {
    const older = uniqueTopic('older-queue')
    await withTopicAdmin(testConnection(), (admin) =>
      admin.createTopics([older, `${older}-retry`, `${older}-dlt`].map((name) => ({name, partitions: 1, replicationFactor: 1}))),
    )
    const {code, stderr} = await kq(['dispatch', 'SendReminder', '{}', '--queue', older, '--delay', '90'], {cwd: app.root})
    assert.equal(code, ExitCode.KafkaRefused)
    assert.equal(
      stderr,
      `Error: delay topic ${older}-delay-1m does not exist: add the delay topics of ${older} with \`kq topic:create ${older}\` (it leaves existing topics alone)\n`,
    )
    assert.equal(await endOffsetTotal(older), 0)
    const names = await withTopicAdmin(testConnection(), (admin) => admin.listTopics())
    assert.ok(!names.includes(`${older}-delay-1m`), 'the delay topic was auto-created')
  })
})
