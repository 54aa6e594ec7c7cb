import {strict as assert} from 'node:assert'

import {type TopicCreateResult} from '../../../src/commands/topic/create.js'
import {ExitCode} from '../../../src/lib/errors.js'
import {withTopicAdmin} from '../../../src/lib/kafka/index.js'
import {envFile, kq, runKq, uniqueTopic} from '../../support/cli.js'
import {kcatMetadata} from '../../support/kcat.js'
import {closedPort} from '../../support/ports.js'
import {testConnection} from '../../support/topics.js'

function brokers(): string {
  return process.env.KAFKA_BROKERS as string
}

async function describe3(topic: string) {
  const connection = {brokers: brokers().split(','), clientId: 'test', connectTimeoutMs: 10_000, ssl: false}
  return withTopicAdmin(connection, (admin) => admin.describeTopics([topic, `${topic}-retry`, `${topic}-dlt`]))
}

describe('kq topic:create', () => {
  it('creates the queue, retry and dead-letter topics from .env', async () => {
    const topic = uniqueTopic('env')
    const file = envFile({KAFKA_TOPIC: topic, KAFKA_PARTITIONS: 3, KAFKA_REPLICATION_FACTOR: 1})
    const {code, result, stdout} = await runKq<TopicCreateResult>(['topic:create', '--env-file', file])
    assert.equal(code, 0)
    assert.deepEqual(
      result?.topics.map((row) => [row.name, row.role, row.partitions, row.replicationFactor, row.status]),
      [
        [topic, 'queue', 3, 1, 'created'],
        [`${topic}-retry`, 'retry', 3, 1, 'created'],
        [`${topic}-dlt`, 'dead-letter', 3, 1, 'created'],
      ],
    )
    assert.match(stdout, new RegExp(`^${topic}-dlt\\s+dead-letter\\s+3\\s+1\\s+created$`, 'm'))
    const described = await describe3(topic)
    assert.deepEqual(
      [...described.values()].map((each) => each.partitions),
      [3, 3, 3],
    )
  })

  it('is seen by kcat, an independent client, with the partitions asked for', async () => {
    const topic = uniqueTopic('kcat')
    const {code} = await runKq(['topic:create', topic, '--partitions', '4'])
    assert.equal(code, 0)
    for (const name of [topic, `${topic}-retry`, `${topic}-dlt`]) {
      const metadata = await kcatMetadata(brokers(), name)
      const found = metadata.topics.find((each) => each.topic === name)
      assert.ok(found, `kcat does not see ${name}`)
      assert.equal(found.partitions.length, 4)
      assert.equal(found.partitions[0].replicas.length, 1)
    }
  })

  it('lets the topic argument and flags override .env', async () => {
    const topic = uniqueTopic('flags')
    const file = envFile({KAFKA_TOPIC: 'not-this-one', KAFKA_PARTITIONS: 9})
    const {code, result} = await runKq<TopicCreateResult>(['topic:create', topic, '--partitions', '2', '--env-file', file])
    assert.equal(code, 0)
    assert.deepEqual(
      result?.topics.map((row) => [row.name, row.partitions]),
      [
        [topic, 2],
        [`${topic}-retry`, 2],
        [`${topic}-dlt`, 2],
      ],
    )
    assert.equal((await describe3('not-this-one')).size, 0)
  })

  it('reports existing topics with the same settings, and is not an error', async () => {
    const topic = uniqueTopic('again')
    assert.equal((await runKq(['topic:create', topic])).code, 0)
    const {code, result} = await runKq<TopicCreateResult>(['topic:create', topic])
    assert.equal(code, 0)
    assert.deepEqual(
      result?.topics.map((row) => row.status),
      ['exists', 'exists', 'exists'],
    )
  })

  it('creates only the missing companions of an existing queue topic', async () => {
    const topic = uniqueTopic('partial')
    assert.equal((await runKq(['topic:create', topic])).code, 0)
    const connection = {brokers: brokers().split(','), clientId: 'test', connectTimeoutMs: 10_000, ssl: false}
    const lone = uniqueTopic('lone')
    await withTopicAdmin(connection, (admin) => admin.createTopics([{name: lone, partitions: 1, replicationFactor: 1}]))
    const {result} = await runKq<TopicCreateResult>(['topic:create', lone])
    assert.deepEqual(
      result?.topics.map((row) => row.status),
      ['exists', 'created', 'created'],
    )
  })

  it('reports a topic with other settings, says what differs and how to fix it, and changes nothing', async () => {
    const topic = uniqueTopic('mismatch')
    assert.equal((await runKq(['topic:create', topic, '--partitions', '2'])).code, 0)
    const {code, stdout, stderr} = await runKq(['topic:create', topic, '--partitions', '5'])
    assert.equal(code, ExitCode.KafkaRefused)
    assert.match(stdout, /mismatch: partitions: 2 on the broker, 5 asked/)
    assert.match(
      stderr,
      new RegExp(
        `Error: topic ${topic} already exists with other settings \\(partitions: 2 on the broker, 5 asked\\) \\(and 2 more topic\\(s\\)\\): set KAFKA_PARTITIONS=2`,
      ),
    )
    assert.equal(stderr.trim().split('\n').length, 1)
    const described = await describe3(topic)
    assert.deepEqual(
      [...described.values()].map((each) => each.partitions),
      [2, 2, 2],
    )
  })

  it('gives the mismatch rows and the error together with --json', async () => {
    const topic = uniqueTopic('mismatch-json')
    assert.equal((await runKq(['topic:create', topic])).code, 0)
    const {code, stdout} = await kq(['topic:create', topic, '--partitions', '3', '--json'])
    assert.equal(code, ExitCode.KafkaRefused)
    const output = JSON.parse(stdout)
    assert.equal(output.error.name, 'TopicMismatchError')
    assert.equal(output.error.exitCode, ExitCode.KafkaRefused)
    assert.deepEqual(
      output.error.topics.map((row: {status: string}) => row.status),
      ['mismatch', 'mismatch', 'mismatch'],
    )
  })

  it('prints the same rows as JSON with --json', async () => {
    const topic = uniqueTopic('json')
    const {code, stdout} = await kq(['topic:create', topic, '--json'])
    assert.equal(code, 0)
    assert.deepEqual(JSON.parse(stdout), {
      topics: [
        {name: topic, role: 'queue', partitions: 1, replicationFactor: 1, status: 'created', differences: []},
        {name: `${topic}-retry`, role: 'retry', partitions: 1, replicationFactor: 1, status: 'created', differences: []},
        {name: `${topic}-dlt`, role: 'dead-letter', partitions: 1, replicationFactor: 1, status: 'created', differences: []},
      ],
      group: {name: 'kq-workers', startsAtBeginning: [topic]},
    })
  })

  it('starts the workers\' group at the beginning of a new queue topic, so no job dispatched before them is skipped', async () => {
    const topic = uniqueTopic('group-start')
    const group = uniqueTopic('group')
    const {code, result} = await runKq<TopicCreateResult>(['topic:create', topic, '--group', group, '--partitions', '2'])
    assert.equal(code, 0)
    assert.deepEqual(result?.group, {name: group, startsAtBeginning: [topic]})
    const committed = await withTopicAdmin(testConnection(), (admin) => admin.committedOffsets(group, topic))
    assert.deepEqual(committed, [
      {partition: 0, offset: 0},
      {partition: 1, offset: 0},
    ])
    // An existing topic is left alone: a new group there starts at its end, as Kafka's default.
    const again = await runKq<TopicCreateResult>(['topic:create', topic, '--group', uniqueTopic('other'), '--partitions', '2'])
    assert.deepEqual(again.result?.group.startsAtBeginning, [])
  })

  it('refuses a replication factor above the broker count, naming the count, and creates nothing', async () => {
    const topic = uniqueTopic('rf')
    const {code, stderr} = await runKq(['topic:create', topic, '--replication-factor', '3'])
    assert.equal(code, ExitCode.Config)
    assert.match(stderr, /replication factor 3 is more than the 1 broker\(s\) in the cluster: set KAFKA_REPLICATION_FACTOR/)
    assert.equal((await describe3(topic)).size, 0)
  })

  it('refuses a bad topic name as a usage error', async () => {
    const {code, stderr} = await kq(['topic:create', 'no spaces'])
    assert.equal(code, ExitCode.Usage)
    assert.match(stderr, /^Error: the topic argument must be a Kafka topic name/)
  })

  it('refuses a bad .env value with one line and exit code 4, before connecting', async () => {
    const file = envFile({KAFKA_PARTITIONS: 'abc'})
    const {code, stdout, stderr} = await kq(['topic:create', '--env-file', file, '--brokers', '127.0.0.1:1'])
    assert.equal(code, ExitCode.Config)
    assert.equal(stdout, '')
    assert.equal(stderr, 'Error: KAFKA_PARTITIONS (from .env) must be a positive integer, got "abc"\n')
  })

  it('fails in seconds with the address and what to do when no broker listens', async function () {
    // The bound is the behaviour: kafkajs alone would retry for minutes.
    this.timeout(15_000)
    const address = `127.0.0.1:${await closedPort()}`
    const {code, stdout, stderr} = await kq(['topic:create', uniqueTopic('down'), '--brokers', address])
    assert.equal(code, ExitCode.Unreachable)
    assert.equal(stdout, '')
    assert.equal(
      stderr,
      `Error: cannot reach Kafka at ${address} (connection refused): start a local broker with \`kq kafka:up\` or set KAFKA_BROKERS to your cluster\n`,
    )
  })
})
