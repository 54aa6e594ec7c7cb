import {strict as assert} from 'node:assert'

import {type TopicCreateResult} from '../../../src/commands/topic/create.js'
import {delayTopicsOf} from '../../../src/lib/delay/ladder.js'
import {ExitCode} from '../../../src/lib/errors.js'
import {openTopicReader, withTopicAdmin} from '../../../src/lib/kafka/index.js'
import {envFile, kq, runKq, uniqueTopic} from '../../support/cli.js'
import {kcatMetadata} from '../../support/kcat.js'
import {closedPort} from '../../support/ports.js'
import {createQueue, testConnection} from '../../support/topics.js'

function brokers(): string {
  return process.env.KAFKA_BROKERS as string
}

/** Every topic of a queue, in the order topic:create reports them. */
function queueTopics(topic: string): string[] {
  return [topic, `${topic}-retry`, `${topic}-dlt`, ...delayTopicsOf(topic)]
}

const DELAY_ROLES = ['delay 1s', 'delay 10s', 'delay 1m', 'delay 10m', 'delay 1h', 'delay 1d']

async function describeAll(topic: string) {
  return withTopicAdmin(testConnection(), (admin) => admin.describeTopics(queueTopics(topic)))
}

describe('kq topic:create', () => {
  it('creates the queue, retry, dead-letter and delay topics from .env', async () => {
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
        [`${topic}-delay-1s`, 'delay 1s', 3, 1, 'created'],
        [`${topic}-delay-10s`, 'delay 10s', 3, 1, 'created'],
        [`${topic}-delay-1m`, 'delay 1m', 3, 1, 'created'],
        [`${topic}-delay-10m`, 'delay 10m', 3, 1, 'created'],
        [`${topic}-delay-1h`, 'delay 1h', 3, 1, 'created'],
        [`${topic}-delay-1d`, 'delay 1d', 3, 1, 'created'],
      ],
    )
    assert.match(stdout, new RegExp(`^${topic}-dlt\\s+dead-letter\\s+3\\s+1\\s+1\\s+created$`, 'm'))
    assert.match(stdout, new RegExp(`^${topic}-delay-1m\\s+delay 1m\\s+3\\s+1\\s+1\\s+created$`, 'm'))
    const described = await describeAll(topic)
    assert.deepEqual(
      [...described.values()].map((each) => each.partitions),
      Array.from({length: 9}, () => 3),
    )
  })

  it('is seen by kcat, an independent client, with the partitions asked for', async () => {
    const topic = uniqueTopic('kcat')
    const {code} = await runKq(['topic:create', topic, '--partitions', '4'])
    assert.equal(code, 0)
    for (const name of queueTopics(topic)) {
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
      queueTopics(topic).map((name) => [name, 2]),
    )
    assert.equal((await describeAll('not-this-one')).size, 0)
  })

  it('reports existing topics with the same settings, and is not an error', async () => {
    const topic = uniqueTopic('again')
    assert.equal((await runKq(['topic:create', topic])).code, 0)
    const {code, result} = await runKq<TopicCreateResult>(['topic:create', topic])
    assert.equal(code, 0)
    assert.deepEqual(
      result?.topics.map((row) => row.status),
      Array.from({length: 9}, () => 'exists'),
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
      ['exists', ...Array.from({length: 8}, () => 'created')],
    )
  })

  it('adds the delay topics to a queue made before kq had them, and reports the others as existing', async () => {
    const topic = uniqueTopic('older')
    const group = uniqueTopic('older-group')
    await withTopicAdmin(testConnection(), (admin) =>
      admin.createTopics([topic, `${topic}-retry`, `${topic}-dlt`].map((name) => ({name, partitions: 2, replicationFactor: 1}))),
    )
    const {code, result} = await runKq<TopicCreateResult>(['topic:create', topic, '--partitions', '2', '--group', group])
    assert.equal(code, 0)
    assert.deepEqual(
      result?.topics.map((row) => [row.role, row.partitions, row.status]),
      [
        ['queue', 2, 'exists'],
        ['retry', 2, 'exists'],
        ['dead-letter', 2, 'exists'],
        ...DELAY_ROLES.map((role) => [role, 2, 'created']),
      ],
    )
    // Delayed jobs dispatched before a worker first reads the new delay topics are not skipped;
    // the old queue topic keeps whatever offsets its group has.
    assert.deepEqual(result?.group.startsAtBeginning, delayTopicsOf(topic))
    const again = await runKq<TopicCreateResult>(['topic:create', topic, '--partitions', '2'])
    assert.deepEqual(
      again.result?.topics.map((row) => row.status),
      Array.from({length: 9}, () => 'exists'),
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
        `Error: topic ${topic} already exists with other settings \\(partitions: 2 on the broker, 5 asked\\) \\(and 8 more topic\\(s\\)\\): set KAFKA_PARTITIONS=2`,
      ),
    )
    assert.equal(stderr.trim().split('\n').length, 1)
    const described = await describeAll(topic)
    assert.deepEqual(
      [...described.values()].map((each) => each.partitions),
      Array.from({length: 9}, () => 2),
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
      Array.from({length: 9}, () => 'mismatch'),
    )
  })

  it('prints the same rows as JSON with --json', async () => {
    const topic = uniqueTopic('json')
    const {code, stdout} = await kq(['topic:create', topic, '--json'])
    assert.equal(code, 0)
    assert.deepEqual(JSON.parse(stdout), {
      topics: [
        {name: topic, role: 'queue', partitions: 1, replicationFactor: 1, configs: {'min.insync.replicas': '1'}, status: 'created', differences: [], minInsyncReplicas: 1},
        {name: `${topic}-retry`, role: 'retry', partitions: 1, replicationFactor: 1, configs: {'min.insync.replicas': '1'}, status: 'created', differences: [], minInsyncReplicas: 1},
        {name: `${topic}-dlt`, role: 'dead-letter', partitions: 1, replicationFactor: 1, configs: {'min.insync.replicas': '1'}, status: 'created', differences: [], minInsyncReplicas: 1},
        ...delayTopicsOf(topic).map((name, index) => ({
          name,
          role: DELAY_ROLES[index],
          partitions: 1,
          replicationFactor: 1,
          configs: {'min.insync.replicas': '1'},
          status: 'created',
          differences: [],
          minInsyncReplicas: 1,
        })),
      ],
      group: {name: 'kq-workers', startsAtBeginning: [topic, ...delayTopicsOf(topic)]},
    })
  })

  it('starts the workers\' group at the beginning of a new queue and its delay topics, so no job dispatched before them is skipped', async () => {
    const topic = uniqueTopic('group-start')
    const group = uniqueTopic('group')
    const {code, result} = await runKq<TopicCreateResult>(['topic:create', topic, '--group', group, '--partitions', '2'])
    assert.equal(code, 0)
    assert.deepEqual(result?.group, {name: group, startsAtBeginning: [topic, ...delayTopicsOf(topic)]})
    for (const name of [topic, ...delayTopicsOf(topic)]) {
      const committed = await withTopicAdmin(testConnection(), (admin) => admin.committedOffsets(group, name))
      assert.deepEqual(
        committed,
        [
          {partition: 0, offset: 0},
          {partition: 1, offset: 0},
        ],
        name,
      )
    }

    // An existing topic is left alone: a new group there starts at its end, as Kafka's default.
    const again = await runKq<TopicCreateResult>(['topic:create', topic, '--group', uniqueTopic('other'), '--partitions', '2'])
    assert.deepEqual(again.result?.group.startsAtBeginning, [])
  })

  it('leaves the offsets of a group with running workers alone, and says so in one warning', async () => {
    const group = uniqueTopic('busy-group')
    const reader = await openTopicReader(testConnection())
    const held = await reader.holdGroup(group, await createQueue('busy-other'))
    try {
      assert.ok('held' in held)
      const topic = uniqueTopic('busy')
      const {code, stdout, stderr} = await kq(['topic:create', topic, '--group', group, '--json'])
      assert.equal(code, 0, stderr)
      assert.deepEqual((JSON.parse(stdout) as TopicCreateResult).group, {name: group, startsAtBeginning: []})
      const plain = await kq(['topic:create', uniqueTopic('busy'), '--group', group])
      assert.equal(plain.code, 0, plain.stderr)
      // oclif wraps its warnings, each line behind a '›'.
      const warned = plain.stderr.replaceAll('›', ' ').replaceAll(/\s+/g, ' ').trim()
      assert.match(warned, new RegExp(`^Warning: group ${group} has running workers, so its offsets on .+ were left alone: new workers start at their end unless run with --from-beginning$`))
      const committed = await withTopicAdmin(testConnection(), (admin) => admin.committedOffsets(group, topic))
      assert.deepEqual(committed, [{partition: 0, offset: -1}])
    } finally {
      if ('held' in held) await held.held.release()
      await reader.close()
    }
  })

  it('refuses a replication factor above the broker count, naming the count, and creates nothing', async () => {
    const topic = uniqueTopic('rf')
    const {code, stderr} = await runKq(['topic:create', topic, '--replication-factor', '3'])
    assert.equal(code, ExitCode.Config)
    assert.match(stderr, /replication factor 3 is more than the 1 broker\(s\) in the cluster: set KAFKA_REPLICATION_FACTOR/)
    assert.equal((await describeAll(topic)).size, 0)
  })

  it('refuses a bad topic name as a usage error', async () => {
    const {code, stderr} = await kq(['topic:create', 'no spaces'])
    assert.equal(code, ExitCode.Usage)
    assert.match(stderr, /^Error: the topic argument must be a Kafka topic name/)
  })

  for (const [name, role, queue] of [
    ['orders-dlt', 'dead-letter', 'orders'],
    ['orders-retry', 'retry', 'orders'],
    ['orders-delay-10m', 'delay 10m', 'orders'],
  ]) {
    it(`refuses ${name} as a queue, naming the queue it belongs to, and creates nothing`, async () => {
      const prefix = uniqueTopic('suffix')
      const topic = `${prefix}-${name}`
      const {code, stderr} = await kq(['topic:create', topic])
      assert.equal(code, ExitCode.Usage)
      assert.equal(
        stderr,
        `Error: ${topic} ends like kq's ${role} topic of queue ${prefix}-${queue}, so it cannot be a queue: ` +
          `create ${prefix}-${queue} (\`kq topic:create ${prefix}-${queue}\` makes its ${role} topic too) or pick another name\n`,
      )
      assert.equal((await describeAll(topic)).size, 0)
    })
  }

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
