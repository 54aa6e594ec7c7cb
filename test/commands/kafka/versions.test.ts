import {strict as assert} from 'node:assert'
import path from 'node:path'

import {type TopicCreateResult} from '../../../src/commands/topic/create.js'
import {type TopicListResult} from '../../../src/commands/topic/list.js'
import {stopLocalKafka} from '../../../src/lib/local-kafka/index.js'
import {kq, runKq, uniqueTopic} from '../../support/cli.js'
import {kcat} from '../../support/kcat.js'
import {JAR_CACHE, TEST_KAFKA_ROOT} from '../../support/paths.js'
import {freePortRange} from '../../support/ports.js'

/** Kafka 4 removed old protocol versions (KIP-896); kq must work on both lines. */
const KAFKA_4 = process.env.KQ_TEST_KAFKA4_VERSION ?? '4.1.2'

describe(`kq on Kafka ${KAFKA_4}`, function () {
  this.timeout(300_000)
  const dir = path.join(TEST_KAFKA_ROOT, `kafka4-${process.pid}`)
  let brokers: string

  before(async () => {
    await stopLocalKafka({dir, purge: true})
    const port = await freePortRange(2)
    const args = ['kafka:up', '--kafka-version', KAFKA_4, '--port', String(port), '--dir', dir, '--cache-dir', JAR_CACHE]
    const {code, stdout, stderr} = await kq([...args, '--json'], {timeoutMs: 300_000})
    assert.equal(code, 0, stderr)
    const started = JSON.parse(stdout)
    assert.equal(started.kafkaVersion, KAFKA_4)
    brokers = started.bootstrap
  })

  after(async () => {
    await stopLocalKafka({dir, purge: true})
  })

  it('creates and lists topics, with message counts kcat agrees with', async () => {
    const topic = uniqueTopic('k4')
    const created = await runKq<TopicCreateResult>(['topic:create', topic, '--brokers', brokers, '--partitions', '2'])
    assert.equal(created.code, 0)
    await kcat(['-b', brokers, '-P', '-t', topic], 'one\ntwo\nthree\n')
    const listed = await runKq<TopicListResult>(['topic:list', '--brokers', brokers])
    assert.equal(listed.code, 0)
    assert.deepEqual(
      listed.result?.topics.find((each) => each.name === topic),
      {name: topic, role: 'queue', partitions: 2, replicationFactor: 1, messages: 3},
    )
  })

  it('stops with kafka:down', async () => {
    const {code, stdout} = await kq(['kafka:down', '--dir', dir])
    assert.equal(code, 0)
    assert.equal(stdout, 'Stopped local Kafka (1 node).\n')
  })
})
