import {strict as assert} from 'node:assert'
import path from 'node:path'

import {ExitCode} from '../../src/lib/errors.js'
import {openPublisher, withTopicAdmin} from '../../src/lib/kafka/index.js'
import {stopLocalKafka} from '../../src/lib/local-kafka/index.js'
import {durabilityConfigs} from '../../src/lib/topics/durability.js'
import {type TestApp, jobSource, makeTestApp} from '../support/app.js'
import {kq, uniqueTopic} from '../support/cli.js'
import {kcatMetadata} from '../support/kcat.js'
import {discardLocalKafka} from '../support/kafka.js'
import {JAR_CACHE, TEST_KAFKA_ROOT} from '../support/paths.js'
import {freePortRange} from '../support/ports.js'

/**
 * Two of three nodes killed: the controller quorum is lost, so Kafka can neither move the
 * partition's leadership nor shrink its in-sync set, and the leader that is left waits for
 * acknowledgements that cannot come. kafkajs alone waited 120-287 s before it gave up.
 */
describe('kq dispatch when the controller quorum is lost (2 of 3 nodes killed)', function () {
  this.timeout(300_000)
  const dir = path.join(TEST_KAFKA_ROOT, `quorum-${process.pid}`)
  let app: TestApp
  let survivor: string
  let killed: string[]
  let queue: string

  before(async () => {
    app = makeTestApp({jobs: {Ping: jobSource('Ping')}})
    await stopLocalKafka({dir, purge: true})
    const port = await freePortRange(6)
    const up = await kq(['kafka:up', '--nodes', '3', '--port', String(port), '--dir', dir, '--cache-dir', JAR_CACHE, '--heap', '384', '--json'], {
      timeoutMs: 180_000,
    })
    assert.equal(up.code, 0, up.stderr)
    const started = JSON.parse(up.stdout) as {bootstrap: string; nodes: Array<{id: number; pid: number; address: string}>}
    queue = uniqueTopic('quorum')
    // Only the queue's topic, as kq topic:create makes it (three replicas, two in sync): a
    // dispatch writes to nothing else, and needs no consumer group.
    const connection = {brokers: started.bootstrap.split(','), clientId: 'kq-test', connectTimeoutMs: 30_000, ssl: false}
    await withTopicAdmin(connection, (admin) => admin.createTopics([{name: queue, partitions: 1, replicationFactor: 3, ...durabilityConfigs({replicationFactor: 3})}]))
    // The partition's leader is the node left alive: its writes wait on the two dead replicas.
    const [partition] = (await kcatMetadata(started.bootstrap, queue)).topics.find((each) => each.topic === queue)!.partitions
    const leader = started.nodes.find((node) => node.id === partition.leader)!
    survivor = leader.address
    // Each broker hands out producer ids from a block it gets from the controllers, on its first
    // request; kafkajs asks a broker of its choosing. Sends from new clients now give each broker
    // its block while the controllers can still hand them out (15 tries leave 1 in 500 to
    // chance). Each client is new, as each kq dispatch's is, so each chooses afresh.
    for (let warmUp = 0; warmUp < 15; warmUp++) {
      const publisher = await openPublisher(connection)
      try {
        await publisher.send(queue, {value: 'warm-up'})
      } finally {
        await publisher.close()
      }
    }

    const others = started.nodes.filter((node) => node !== leader)
    killed = others.map((node) => node.address)
    for (const node of others) process.kill(node.pid, 'SIGKILL')
  })

  after(async () => {
    // The survivor cannot shut down cleanly without a controller quorum: not waited for.
    await discardLocalKafka(dir)
    app?.remove()
  })

  it('ends every dispatch within its timeouts with one line naming what failed, and exit code 5', async () => {
    const env = {KAFKA_BROKERS: [survivor, ...killed].join(','), KAFKA_CONNECT_TIMEOUT: '5', KAFKA_SEND_TIMEOUT: '3'}
    const seen = new Set<string>()
    // Which broker kafkajs asks for a producer id is its choice (one of the three, by the stale
    // metadata): a dead one fails the connection at once, the live one leads to the write.
    for (let attempt = 0; attempt < 20 && !seen.has('timeout'); attempt++) {
      // The child's own timeout stands for "hangs": a dispatch still waiting then fails the test.
      const {code, stdout, stderr} = await kq(['dispatch', 'Ping', '{}', '--queue', queue], {cwd: app.root, env, timeoutMs: 60_000})
      assert.equal(code, ExitCode.Unreachable, stderr)
      assert.equal(stdout, '')
      assert.equal(stderr.trimEnd().split('\n').length, 1, stderr)
      if (stderr.startsWith(`Error: Kafka did not acknowledge the write to ${queue} within 3s (KAFKA_SEND_TIMEOUT): `)) {
        seen.add('timeout')
        continue
      }

      if (stderr.includes(`(${survivor} answered, then left a request unanswered within 5s): check that most of the cluster's controllers are up`)) {
        seen.add('stalled')
        continue
      }

      // One of three died: name it, not the whole list as if all three had refused.
      const named = /^Error: cannot reach Kafka at (\S+) \(connection refused\): /.exec(stderr)
      assert.ok(named, stderr)
      for (const address of named[1].split(',')) assert.ok(killed.includes(address), `${address} is alive: ${stderr}`)
      seen.add('refused')
    }

    assert.ok(seen.has('timeout'), 'no dispatch got as far as the write')
  })
})
