import {strict as assert} from 'node:assert'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {type TopicCreateResult} from '../../../src/commands/topic/create.js'
import {ExitCode} from '../../../src/lib/errors.js'
import {stopLocalKafka} from '../../../src/lib/local-kafka/index.js'
import {kq, runKq, uniqueTopic} from '../../support/cli.js'
import {type KcatTopic, kcatMetadata} from '../../support/kcat.js'
import {JAR_CACHE, TEST_KAFKA_ROOT} from '../../support/paths.js'
import {freePortRange} from '../../support/ports.js'

/**
 * kcat asks one broker; each learns of a new topic a moment after the controller does. Ask
 * every broker, each until it knows the topic (a few seconds at most).
 */
async function kcatTopicOnEveryBroker(brokers: string, name: string): Promise<KcatTopic> {
  let found: KcatTopic | undefined
  for (const broker of brokers.split(',')) {
    for (let attempt = 0; attempt < 50; attempt++) {
      found = (await kcatMetadata(broker, name)).topics.find((each) => each.topic === name && each.partitions.length > 0)
      if (found) break
      await sleep(100)
    }

    assert.ok(found, `broker ${broker} never reported ${name}`)
  }

  return found as KcatTopic
}

describe('kq topic:create on a three-broker cluster (kafka:up --nodes 3)', function () {
  this.timeout(180_000)
  const dir = path.join(TEST_KAFKA_ROOT, `three-${process.pid}`)
  let brokers: string

  before(async () => {
    await stopLocalKafka({dir, purge: true})
    const port = await freePortRange(6)
    const {code, stdout, stderr} = await kq(
      ['kafka:up', '--nodes', '3', '--port', String(port), '--dir', dir, '--cache-dir', JAR_CACHE, '--heap', '384', '--json'],
      {timeoutMs: 180_000},
    )
    assert.equal(code, 0, stderr)
    const started = JSON.parse(stdout)
    assert.equal(started.nodes.length, 3)
    brokers = started.bootstrap
  })

  after(async () => {
    await stopLocalKafka({dir, purge: true})
  })

  it('lists three running nodes in kafka:status', async () => {
    const {code, stdout} = await kq(['kafka:status', '--dir', dir])
    assert.equal(code, 0)
    assert.match(stdout, /is running at 127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+ \(3 nodes/)
    assert.equal(stdout.match(/^\d\s+127\.0\.0\.1:\d+\s+\d+\s+running\s/gm)?.length, 3)
  })

  it('creates topics with replication factor 3, every partition on three brokers as kcat sees it', async () => {
    const topic = uniqueTopic('replicated')
    const {code, result} = await runKq<TopicCreateResult>([
      'topic:create',
      topic,
      '--brokers',
      brokers,
      '--partitions',
      '3',
      '--replication-factor',
      '3',
    ])
    assert.equal(code, 0)
    assert.deepEqual(
      result?.topics.map((row) => [row.status, row.replicationFactor]),
      Array.from({length: 9}, () => ['created', 3]),
    )
    for (const name of [topic, `${topic}-retry`, `${topic}-dlt`, `${topic}-delay-1m`]) {
      const found = await kcatTopicOnEveryBroker(brokers, name)
      assert.deepEqual(
        found.partitions.map((partition) => partition.replicas.map((replica) => replica.id).sort()),
        [
          [1, 2, 3],
          [1, 2, 3],
          [1, 2, 3],
        ],
      )
    }
  })

  it('refuses replication factor 4, naming the three brokers', async () => {
    const {code, stderr} = await runKq(['topic:create', uniqueTopic('rf4'), '--brokers', brokers, '--replication-factor', '4'])
    assert.equal(code, ExitCode.Config)
    assert.match(stderr, /replication factor 4 is more than the 3 broker\(s\) in the cluster/)
  })
})
