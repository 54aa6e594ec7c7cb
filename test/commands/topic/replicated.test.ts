import {strict as assert} from 'node:assert'
import {setTimeout as sleep} from 'node:timers/promises'

import {type TopicCreateResult} from '../../../src/commands/topic/create.js'
import {type TopicListResult} from '../../../src/commands/topic/list.js'
import {delayTopicsOf} from '../../../src/lib/delay/ladder.js'
import {ExitCode} from '../../../src/lib/errors.js'
import {type StatusSnapshot} from '../../../src/lib/monitoring/types.js'
import {jobSource, makeTestApp} from '../../support/app.js'
import {kq, runKq, uniqueTopic} from '../../support/cli.js'
import {type KcatTopic, kcat, kcatMetadata} from '../../support/kcat.js'
import {type Trio, sharedTrio} from '../../support/trio.js'

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
  this.timeout(300_000)
  let trio: Trio
  let brokers: string

  before(async () => {
    trio = await sharedTrio()
    brokers = trio.brokers
  })

  it('starts three nodes with kafka:up --nodes 3 --json, every one in the bootstrap list', () => {
    assert.equal(trio.started.nodes.length, 3)
    assert.deepEqual(trio.started.bootstrap.split(',').sort(), trio.started.nodes.map((node) => node.address).sort())
  })

  it('lists three running nodes in kafka:status', async () => {
    const {code, stdout} = await kq(['kafka:status', '--dir', trio.dir])
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
      result?.topics.map((row) => [row.status, row.replicationFactor, row.minInsyncReplicas]),
      Array.from({length: 9}, () => ['created', 3, 2]),
    )
    // The cluster's first group request: Kafka makes its offsets topic meanwhile, and the group
    // starts at the beginning of the new queue all the same.
    assert.deepEqual(result?.group, {name: 'kq-workers', startsAtBeginning: [topic, ...delayTopicsOf(topic)]})
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

  it('sets min.insync.replicas on each topic as KAFKA_MIN_INSYNC_REPLICAS says, above the brokers\' default of 2', async () => {
    const topic = uniqueTopic('insync')
    const env = {KAFKA_BROKERS: brokers, KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '3'}
    // The first topic:create of the workers' group waits for Kafka's offsets topic: slow on a busy machine.
    const created = await kq(['topic:create', topic, '--json'], {env, timeoutMs: 240_000})
    assert.equal(created.code, 0, created.stderr)
    const rows = (JSON.parse(created.stdout) as TopicCreateResult).topics
    assert.deepEqual(rows.map((row) => row.minInsyncReplicas), Array.from({length: 9}, () => 3))
    // The broker asked may hear of the new topics a moment after the controller made them.
    let listed: TopicListResult['topics'][number] | undefined
    for (let attempt = 0; attempt < 50 && listed === undefined; attempt++) {
      listed = (await runKq<TopicListResult>(['topic:list', '--brokers', brokers])).result?.topics.find((each) => each.name === `${topic}-dlt`)
      if (listed === undefined) await sleep(100)
    }

    assert.equal(listed?.minInsyncReplicas, 3)
  })

  it('warns in topic:create and kq status about a queue of three replicas with one in sync', async () => {
    const queue = uniqueTopic('weak')
    const group = uniqueTopic('g')
    const weak = await kq(['topic:create', queue, '--group', group], {
      env: {KAFKA_BROKERS: brokers, KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '1'},
      timeoutMs: 240_000,
    })
    assert.equal(weak.code, 0, weak.stderr)
    assert.doesNotMatch(weak.stderr, /min\.insync\.replicas/, 'asked for explicitly: no warning')

    // Without the setting, kq asks 2 of three replicas: the same queue is now below it.
    const again = await kq(['topic:create', queue, '--replication-factor', '3'], {env: {KAFKA_BROKERS: brokers}})
    assert.equal(again.code, 0, again.stderr)
    assert.match(again.stderr, new RegExp(`^Warning: topic ${queue} has 3 replicas but min\\.insync\\.replicas=1, `, 'm'))
    assert.equal(again.stderr.split('\n').filter((line) => line.startsWith('Warning: ')).length, 9)

    const status = await kq(['status', queue, '--group', group, '--json'], {env: {KAFKA_BROKERS: brokers}})
    assert.equal(status.code, 0, status.stderr)
    const snapshot = JSON.parse(status.stdout) as StatusSnapshot
    assert.equal(snapshot.queues[0].warnings.length, 9)
    assert.match(snapshot.queues[0].warnings[0], /set it to 2 \(kafka-configs\.sh --alter --entity-type topics --entity-name \S+ --add-config min\.insync\.replicas=2\)$/)
    const text = await kq(['status', queue, '--group', group, '--brief'], {env: {KAFKA_BROKERS: brokers}})
    assert.match(text.stdout, new RegExp(`^Warning: topic ${queue}-dlt has 3 replicas but min\\.insync\\.replicas=1`, 'm'))
  })

  it('makes a topic of one replica writable on a cluster whose default min.insync.replicas is 2', async () => {
    const app = makeTestApp({jobs: {Ping: jobSource('Ping')}})
    try {
      const queue = uniqueTopic('single')
      const env = {KAFKA_BROKERS: brokers}
      const created = await kq(['topic:create', queue, '--replication-factor', '1', '--json'], {env})
      assert.equal(created.code, 0, created.stderr)
      assert.deepEqual(new Set((JSON.parse(created.stdout) as TopicCreateResult).topics.map((row) => row.minInsyncReplicas)), new Set([1]))
      const sent = await kq(['dispatch', 'Ping', '{}', '--queue', queue], {cwd: app.root, env})
      assert.equal(sent.code, 0, sent.stderr)
    } finally {
      app.remove()
    }
  })

  it('reads the offsets of each partition from the broker that leads it, in kq status and topic:list', async () => {
    const queue = uniqueTopic('spread')
    const group = uniqueTopic('g')
    const created = await kq(['topic:create', queue, '--group', group, '--partitions', '3', '--replication-factor', '1'], {env: {KAFKA_BROKERS: brokers}})
    assert.equal(created.code, 0, created.stderr)
    const {partitions} = await kcatTopicOnEveryBroker(brokers, queue)
    assert.equal(new Set(partitions.map((partition) => partition.leader)).size, 3, 'one partition led by each broker')
    for (const [partition, records] of [
      [0, 1],
      [1, 2],
      [2, 3],
    ]) {
      await kcat(['-b', brokers, '-P', '-t', queue, '-p', String(partition)], 'x\n'.repeat(records))
    }

    const status = await runKq<StatusSnapshot>(['status', queue, '--group', group, '--brokers', brokers, '--sample', '0', '--json'])
    assert.equal(status.code, 0, status.stderr)
    assert.deepEqual(
      status.result?.queues[0].partitions.filter((each) => each.topic === queue).map(({partition, end, committed}) => [partition, end, committed]),
      [
        [0, 1, 0],
        [1, 2, 0],
        [2, 3, 0],
      ],
    )
    const list = await runKq<TopicListResult>(['topic:list', '--brokers', brokers, '--json'])
    assert.equal(list.code, 0, list.stderr)
    assert.equal(list.result?.topics.find((topic) => topic.name === queue)?.messages, 6)
  })

  it('refuses replication factor 4, naming the three brokers', async () => {
    const {code, stderr} = await runKq(['topic:create', uniqueTopic('rf4'), '--brokers', brokers, '--replication-factor', '4'])
    assert.equal(code, ExitCode.Config)
    assert.match(stderr, /replication factor 4 is more than the 3 broker\(s\) in the cluster/)
  })
})
