import {strict as assert} from 'node:assert'
import {writeFileSync} from 'node:fs'
import path from 'node:path'

import {decodeEnvelope, isJobId} from '../../src/lib/envelope/index.js'
import {ExitCode} from '../../src/lib/errors.js'
import {type TestApp, jobSource, makeTestApp} from '../support/app.js'
import {kq, uniqueTopic} from '../support/cli.js'
import {kcat} from '../support/kcat.js'
import {isUtilLinuxScript, kqOnTerminal} from '../support/terminal.js'
import {createQueue, endOffsetTotal, kcatRecords, testBrokers} from '../support/topics.js'

const EXAMPLE_JOB = `import {Job, type JobContext} from 'kq'

export default class ExampleKafkaJob extends Job<{data: string}> {
  override tries = 3
  override backoff = [1, 5, 10]

  override async handle(payload: {data: string}, ctx: JobContext): Promise<void> {
    ctx.log(\`processed \${payload.data}\`)
  }
}
`

describe('kq dispatch', function () {
  this.timeout(60_000)
  let app: TestApp
  let queue: string

  before(async () => {
    app = makeTestApp({
      jobs: {ExampleKafkaJob: EXAMPLE_JOB, SendEmail: jobSource('SendEmail')},
      files: {'big.json': JSON.stringify({data: 'x'.repeat(1_100_000)})},
    })
    queue = await createQueue('dispatch', 3)
  })

  after(() => app.remove())

  const dispatch = (args: string[], options: {input?: string} = {}) => kq(['dispatch', ...args], {cwd: app.root, ...options})

  it('puts exactly the documented envelope and headers on the topic, as kcat reads it', async () => {
    const before = Date.now()
    const {code, stdout, stderr} = await dispatch([
      'ExampleKafkaJob',
      '{"data":"x"}',
      '--queue',
      queue,
      '--header',
      'trace=abc-123',
      '--json',
    ])
    assert.equal(code, 0, stderr)
    const receipt = JSON.parse(stdout)
    assert.ok(isJobId(receipt.id))
    assert.deepEqual({...receipt, id: undefined, partition: undefined, offset: undefined}, {
      id: undefined,
      job: 'ExampleKafkaJob',
      queue,
      topic: queue,
      partition: undefined,
      offset: undefined,
    })

    const [record] = (await kcatRecords(queue)).filter((each) => each.headers['kq-job-id'] === receipt.id)
    assert.ok(record, 'kcat does not see the job')
    assert.equal(record.partition, receipt.partition)
    assert.equal(record.offset, receipt.offset)
    assert.equal(record.key, null)
    assert.deepEqual(record.headers, {trace: 'abc-123', 'kq-job': 'ExampleKafkaJob', 'kq-job-id': receipt.id})
    const envelope = JSON.parse(record.payload)
    assert.deepEqual(Object.keys(envelope), ['kq', 'id', 'job', 'queue', 'attempt', 'dispatchedAt', 'maxTries', 'backoff', 'payload'])
    assert.deepEqual({...envelope, dispatchedAt: undefined}, {
      kq: 1,
      id: receipt.id,
      job: 'ExampleKafkaJob',
      queue,
      attempt: 1,
      dispatchedAt: undefined,
      maxTries: 3,
      backoff: [1, 5, 10],
      payload: {data: 'x'},
    })
    const dispatchedAt = Date.parse(envelope.dispatchedAt)
    assert.ok(dispatchedAt >= before - 1000 && dispatchedAt <= Date.now() + 1000)
    assert.deepEqual(decodeEnvelope(record.payload), envelope)
  })

  it('prints the job id, topic, partition and offset', async () => {
    const {code, stdout} = await dispatch(['SendEmail', '{"to":"a@b.c"}', '--queue', queue])
    assert.equal(code, 0)
    assert.match(stdout, /^Dispatched SendEmail [\da-f]{8}-[\da-f]{4}-7[\da-f]{3}-[89ab][\da-f]{3}-[\da-f]{12}\n/)
    assert.match(stdout, new RegExp(`\\n  topic ${queue}, partition [0-2], offset \\d+\\n$`))
  })

  it('sends a keyed job to the partition kcat picks for that key with the Java partitioner', async () => {
    for (const key of ['user-1', 'user-42', 'order-9000', 'ü-ñ']) {
      await kcat(['-b', testBrokers(), '-P', '-t', queue, '-k', key, '-X', 'topic.partitioner=murmur2_random'], 'from kcat\n')
      const {stdout} = await dispatch(['SendEmail', '{}', '--queue', queue, '--key', key, '--json'])
      const receipt = JSON.parse(stdout)
      const fromKcat = (await kcatRecords(queue)).find((record) => record.key === key && record.payload === 'from kcat')
      assert.ok(fromKcat)
      assert.equal(receipt.partition, fromKcat.partition, `key ${key}`)
      const fromKq = (await kcatRecords(queue)).find((record) => record.headers['kq-job-id'] === receipt.id)
      assert.equal(fromKq?.key, key)
    }
  })

  it('reads the payload from --file and from stdin', async () => {
    const file = path.join(app.root, 'payload.json')
    writeFileSync(file, '{\n  "data": "from a file"\n}\n')
    const fromFile = JSON.parse((await dispatch(['ExampleKafkaJob', '--file', file, '--queue', queue, '--json'])).stdout)
    const fromStdin = JSON.parse(
      (await dispatch(['ExampleKafkaJob', '-', '--queue', queue, '--json'], {input: '{"data":"from stdin"}'})).stdout,
    )
    const records = (await kcatRecords(queue)).filter((record) => record.headers['kq-job-id'] !== undefined)
    const payloads = new Map(records.map((record) => [record.headers['kq-job-id'], JSON.parse(record.payload).payload]))
    assert.deepEqual(payloads.get(fromFile.id), {data: 'from a file'})
    assert.deepEqual(payloads.get(fromStdin.id), {data: 'from stdin'})
  })

  it("sends to the job class's queue when no --queue is given", async () => {
    const own = await createQueue('own-queue')
    app.writeJob('Report', jobSource('Report', {body: `  override queue = '${own}'\n  async handle(): Promise<void> {}`}))
    const {code, stdout, stderr} = await dispatch(['Report', '{}', '--json'])
    assert.equal(code, 0, stderr)
    assert.equal(JSON.parse(stdout).topic, own)
  })

  describe('refuses bad input with one line and a non-zero exit, and sends nothing', () => {
    const refusals: Array<[string, string[], number, RegExp, string?]> = [
      ['a payload that is not JSON', ['ExampleKafkaJob', '{"data":}'], ExitCode.Usage, /^Error: payload is not valid JSON at line 1, column 9: expected a value/],
      ['bad JSON on stdin', ['ExampleKafkaJob', '-'], ExitCode.Usage, /^Error: payload \(from stdin\) is not valid JSON at line 1, column 1/, 'nope'],
      ['an unknown job, with the nearest known one', ['ExampleKafkaJb', '{}'], ExitCode.Usage, /^Error: unknown job "ExampleKafkaJb": did you mean ExampleKafkaJob\? Known jobs in src\/jobs: ExampleKafkaJob, /],
      ['a payload file that does not exist', ['ExampleKafkaJob', '--file', 'missing.json'], ExitCode.Usage, /^Error: cannot read missing\.json: ENOENT/],
      ['a payload both as argument and file', ['ExampleKafkaJob', '{}', '--file', 'x.json'], ExitCode.Usage, /^Error: give the payload either as an argument or with --file, not both/],
      ['a malformed header', ['ExampleKafkaJob', '{}', '--header', 'novalue'], ExitCode.Usage, /^Error: --header must look like name=value, got "novalue"/],
      ['a header reserved for kq', ['ExampleKafkaJob', '{}', '--header', 'kq-attempt=99'], ExitCode.Usage, /^Error: header kq-attempt is reserved/],
      ['a queue name Kafka cannot take', ['ExampleKafkaJob', '{}', '--queue', 'no spaces'], ExitCode.Usage, /^Error: queue must be a Kafka topic name/],
      ['a payload over the size limit', ['ExampleKafkaJob', '--file', 'big.json'], ExitCode.Usage, /^Error: job ExampleKafkaJob is 1\.1 MB, more than the 1 MB limit \(KQ_MAX_MESSAGE_BYTES\)/],
      ['no job name off a terminal', [], ExitCode.Usage, /^Error: missing job name: kq dispatch <Job> '<json>'/],
      ['no payload off a terminal', ['ExampleKafkaJob'], ExitCode.Usage, /^Error: missing payload: kq dispatch <Job> '<json>'/],
    ]
    for (const [what, args, exitCode, message, input] of refusals) {
      it(what, async () => {
        const before = await endOffsetTotal(queue)
        const withQueue = args.includes('--queue') ? args : [...args, '--queue', queue]
        const {code, stdout, stderr} = await dispatch(withQueue, {input: input ?? ''})
        assert.equal(code, exitCode, stderr)
        assert.match(stderr, message)
        assert.equal(stderr.trim().split('\n').length, 1, stderr)
        assert.equal(stdout, '')
        assert.equal(await endOffsetTotal(queue), before)
      })
    }

    it('a queue whose topic does not exist, pointing at topic:create; nothing is auto-created', async () => {
      const missing = uniqueTopic('nope')
      const {code, stderr} = await dispatch(['ExampleKafkaJob', '{"data":"x"}', '--queue', missing])
      assert.equal(code, ExitCode.KafkaRefused)
      assert.equal(stderr, `Error: topic ${missing} does not exist: create it with \`kq topic:create ${missing}\`\n`)
      const topics = (await kcat(['-b', testBrokers(), '-L', '-J'])).toString()
      assert.ok(!JSON.parse(topics).topics.some((topic: {topic: string}) => topic.topic === missing))
    })

    it('a queue named one letter off an existing one: the queue meant first, then topic:create', async () => {
      const mistyped = `${queue}x`
      const {code, stderr} = await dispatch(['ExampleKafkaJob', '{"data":"x"}', '--queue', mistyped])
      assert.equal(code, ExitCode.KafkaRefused)
      assert.equal(stderr, `Error: topic ${mistyped} does not exist: did you mean queue ${queue}? For a new queue, create it with \`kq topic:create ${mistyped}\`\n`)
    })

    it('a broker that is down, within seconds, naming it', async function () {
      this.timeout(20_000)
      const {code, stderr} = await dispatch(['ExampleKafkaJob', '{"data":"x"}', '--brokers', '127.0.0.1:1', '--queue', queue])
      assert.equal(code, ExitCode.Unreachable)
      assert.match(stderr, /^Error: cannot reach Kafka at 127\.0\.0\.1:1 \(connection refused\)/)
    })
  })

  describe('on a terminal', () => {
    before(function () {
      if (!isUtilLinuxScript()) {
        console.log('      (util-linux `script` is missing: no pseudo-terminal for these tests)')
        this.skip()
      }
    })

    it('asks for the job from the jobs folder and for a payload it checks before sending', async () => {
      const terminal = kqOnTerminal(['dispatch', '--queue', queue], app.root)
      await terminal.expect(/Job to dispatch/)
      await terminal.expect(/ExampleKafkaJob/)
      terminal.type('\r')
      await terminal.expect(/Payload of ExampleKafkaJob \(JSON\)/)
      terminal.type('{"data": oops}\r')
      await terminal.expect(/not valid JSON at line 1, column 10/)
      for (let index = 0; index < 6; index++) terminal.type('\u007F')
      terminal.type('"typed"}\r')
      assert.equal(await terminal.exited, 0, terminal.screen())
      const id = /Dispatched ExampleKafkaJob (\S+)/.exec(terminal.screen())?.[1]
      const record = (await kcatRecords(queue)).find((each) => each.headers['kq-job-id'] === id)
      assert.deepEqual(JSON.parse(record?.payload ?? 'null')?.payload, {data: 'typed'})
    })
  })
})
