import {strict as assert} from 'node:assert'
import path from 'node:path'

import {type DltListResult} from '../../../src/commands/dlt/list.js'
import {type TopicCreateResult} from '../../../src/commands/topic/create.js'
import {type TopicListResult} from '../../../src/commands/topic/list.js'
import {DEFAULT_KAFKA_VERSION, stopLocalKafka} from '../../../src/lib/local-kafka/index.js'
import {type StatusSnapshot} from '../../../src/lib/monitoring/types.js'
import {kq, runKq, uniqueTopic} from '../../support/cli.js'
import {kcat} from '../../support/kcat.js'
import {discardLocalKafka} from '../../support/kafka.js'
import {JAR_CACHE, TEST_KAFKA_ROOT} from '../../support/paths.js'
import {freePortRange} from '../../support/ports.js'
import {type WorkerApp, makeWorkerApp} from '../../support/worker.js'

/**
 * The rest of the suite runs on the default Kafka (4.x, which dropped old protocol versions:
 * KIP-896). Kafka 3.9 is still what many clusters run, so kq's whole round trip is kept
 * working on it here: topics, dispatch, work, retry and dead letter.
 */
const KAFKA_3 = process.env.KQ_TEST_KAFKA3_VERSION ?? '3.9.2'

describe(`kq on Kafka ${KAFKA_3} (the suite runs on ${DEFAULT_KAFKA_VERSION})`, function () {
  this.timeout(300_000)
  const dir = path.join(TEST_KAFKA_ROOT, `kafka3-${process.pid}`)
  let brokers: string
  let app: WorkerApp

  /** kq in the test application, against the 3.9 cluster. */
  const onKafka3 = (args: string[], input?: string) =>
    kq(args, {cwd: app.root, env: {KAFKA_BROKERS: brokers}, input, timeoutMs: 90_000})

  before(async () => {
    app = makeWorkerApp()
    await stopLocalKafka({dir, purge: true})
    const port = await freePortRange(2)
    const args = ['kafka:up', '--kafka-version', KAFKA_3, '--port', String(port), '--dir', dir, '--cache-dir', JAR_CACHE]
    const {code, stdout, stderr} = await kq([...args, '--json'], {timeoutMs: 300_000})
    assert.equal(code, 0, stderr)
    const started = JSON.parse(stdout)
    assert.equal(started.kafkaVersion, KAFKA_3)
    brokers = started.bootstrap
  })

  after(async () => {
    await discardLocalKafka(dir)
    app?.remove()
  })

  it('creates and lists topics, with message counts kcat agrees with', async () => {
    const topic = uniqueTopic('k3')
    const created = await runKq<TopicCreateResult>(['topic:create', topic, '--brokers', brokers, '--partitions', '2'])
    assert.equal(created.code, 0)
    await kcat(['-b', brokers, '-P', '-t', topic], 'one\ntwo\nthree\n')
    const listed = await runKq<TopicListResult>(['topic:list', '--brokers', brokers])
    assert.equal(listed.code, 0)
    assert.deepEqual(
      listed.result?.topics.find((each) => each.name === topic),
      {name: topic, role: 'queue', partitions: 2, replicationFactor: 1, minInsyncReplicas: 1, messages: 3, partitionsWithoutLeader: []},
    )
  })

  it('dispatches, works, retries and dead-letters jobs, committing to the end of the queue', async () => {
    const queue = uniqueTopic('k3-work')
    const group = uniqueTopic('g')
    assert.equal((await onKafka3(['topic:create', queue, '--partitions', '2', '--group', group])).code, 0)
    const jobs = [
      ['Succeeds', {tag: 'ok'}],
      ['FailsUntil', {tag: 'second-time', succeedOn: 2}],
      ['FailsUntil', {tag: 'doomed', succeedOn: 99}],
    ] as const
    for (const [job, payload] of jobs) {
      const dispatched = await onKafka3(['dispatch', job, JSON.stringify(payload), '--queue', queue])
      assert.equal(dispatched.code, 0, dispatched.stderr)
    }

    const worked = await onKafka3(['work', queue, '--group', group, '--stop-when-empty'])
    assert.equal(worked.code, 0, worked.stderr)
    const done = app.ledger(queue).filter((entry) => entry.event === 'done').map((entry) => entry.tag)
    assert.deepEqual(done.sort(), ['ok', 'second-time'])

    const letters = await onKafka3(['dlt:list', queue, '--json'])
    assert.equal(letters.code, 0, letters.stderr)
    const listed = JSON.parse(letters.stdout) as DltListResult
    assert.deepEqual(listed.deadLetters.map((letter) => [letter.job, letter.reason]), [['FailsUntil', 'exhausted']])

    const status = await onKafka3(['status', queue, '--group', group, '--json'])
    assert.equal(status.code, 0, status.stderr)
    const snapshot = JSON.parse(status.stdout) as StatusSnapshot
    assert.deepEqual(snapshot.queues.map((each) => [each.queue, each.lag, each.retryLag]), [[queue, 0, 0]])
  })
})
