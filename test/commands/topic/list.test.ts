import {strict as assert} from 'node:assert'

import {type TopicListResult} from '../../../src/commands/topic/list.js'
import {withTopicAdmin} from '../../../src/lib/kafka/index.js'
import {kq, runKq, uniqueTopic} from '../../support/cli.js'
import {kcat} from '../../support/kcat.js'
import {closedPort} from '../../support/ports.js'
import {testConnection} from '../../support/topics.js'

describe('kq topic:list', () => {
  const brokers = () => process.env.KAFKA_BROKERS as string

  it("lists topics with their role, partitions, replication and the messages each holds, a queue's in topic:create's order", async () => {
    const topic = uniqueTopic('listed')
    assert.equal((await runKq(['topic:create', topic, '--partitions', '3'])).code, 0)
    await kcat(['-b', brokers(), '-P', '-t', topic, '-K', ':'], 'a:1\nb:2\nc:3\nd:4\ne:5\n')
    const {code, result, stdout} = await runKq<TopicListResult>(['topic:list'])
    assert.equal(code, 0)
    const rows = result?.topics ?? []
    assert.deepEqual(
      rows.filter((row) => row.name.startsWith(topic)),
      [
        {name: topic, role: 'queue', partitions: 3, replicationFactor: 1, minInsyncReplicas: 1, messages: 5, partitionsWithoutLeader: []},
        {name: `${topic}-retry`, role: 'retry', partitions: 3, replicationFactor: 1, minInsyncReplicas: 1, messages: 0, partitionsWithoutLeader: []},
        {name: `${topic}-dlt`, role: 'dead-letter', partitions: 3, replicationFactor: 1, minInsyncReplicas: 1, messages: 0, partitionsWithoutLeader: []},
        {name: `${topic}-delay-1s`, role: 'delay 1s', partitions: 3, replicationFactor: 1, minInsyncReplicas: 1, messages: 0, partitionsWithoutLeader: []},
        {name: `${topic}-delay-10s`, role: 'delay 10s', partitions: 3, replicationFactor: 1, minInsyncReplicas: 1, messages: 0, partitionsWithoutLeader: []},
        {name: `${topic}-delay-1m`, role: 'delay 1m', partitions: 3, replicationFactor: 1, minInsyncReplicas: 1, messages: 0, partitionsWithoutLeader: []},
        {name: `${topic}-delay-10m`, role: 'delay 10m', partitions: 3, replicationFactor: 1, minInsyncReplicas: 1, messages: 0, partitionsWithoutLeader: []},
        {name: `${topic}-delay-1h`, role: 'delay 1h', partitions: 3, replicationFactor: 1, minInsyncReplicas: 1, messages: 0, partitionsWithoutLeader: []},
        {name: `${topic}-delay-1d`, role: 'delay 1d', partitions: 3, replicationFactor: 1, minInsyncReplicas: 1, messages: 0, partitionsWithoutLeader: []},
      ],
    )
    assert.match(stdout, new RegExp(`^${topic}\\s+queue\\s+3\\s+1\\s+1\\s+5$`, 'm'))
    assert.match(stdout, new RegExp(`^${topic}-delay-1m\\s+delay 1m\\s+3\\s+1\\s+1\\s+0$`, 'm'))
    const other = uniqueTopic('not-kq')
    await withTopicAdmin(testConnection(), (admin) => admin.createTopics([{name: other, partitions: 1, replicationFactor: 1}]))
    const again = await runKq<TopicListResult>(['topic:list'])
    assert.equal(again.result?.topics.find((row) => row.name === other)?.role, null)
  })

  it("hides Kafka's internal topics unless --all", async () => {
    // A consumer group makes the broker create __consumer_offsets.
    await kcat(['-b', brokers(), '-G', uniqueTopic('group'), '-e', 'nonexistent-topic-for-group']).catch(() => {})
    const visible = await runKq<TopicListResult>(['topic:list'])
    assert.ok(!visible.result?.topics.some((row) => row.name.startsWith('__')))
    const all = await runKq<TopicListResult>(['topic:list', '--all'])
    assert.ok(all.result?.topics.some((row) => row.name === '__consumer_offsets'))
  })

  it('fails with the address and what to do when no broker listens', async () => {
    const address = `127.0.0.1:${await closedPort()}`
    const {code, stderr} = await kq(['topic:list', '--brokers', address])
    assert.equal(code, 5)
    assert.match(stderr, new RegExp(`^Error: cannot reach Kafka at ${address} \\(connection refused\\)`))
  })
})
