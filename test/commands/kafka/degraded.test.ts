import {strict as assert} from 'node:assert'
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {type TopicListResult} from '../../../src/commands/topic/list.js'
import {topicsForTopic} from '../../../src/lib/config/index.js'
import {delayTopicsOf} from '../../../src/lib/delay/ladder.js'
import {type LocalKafkaStatus} from '../../../src/lib/local-kafka/index.js'
import {BrokerUnreachableError, ExitCode} from '../../../src/lib/errors.js'
import {type Publisher, openPublisher, withTopicAdmin} from '../../../src/lib/kafka/index.js'
import {type TestApp, jobSource, makeTestApp} from '../../support/app.js'
import {kq, uniqueTopic} from '../../support/cli.js'
import {kcat, kcatMetadata} from '../../support/kcat.js'
import {JAR_CACHE} from '../../support/paths.js'
import {endOffsetTotalOn} from '../../support/topics.js'
import {type Trio, sharedTrio} from '../../support/trio.js'
import {spawnWorker} from '../../support/worker-process.js'

/**
 * A node of a three-node cluster that dies: dispatches go on through the other two at once,
 * kafka:status says which node died, and kafka:up brings it back alone, while the other two
 * (and whoever is connected to them) keep running.
 */
describe('kafka:status and kafka:up with one node of three killed', function () {
  this.timeout(300_000)
  let trio: Trio

  const statusOf = async () => {
    const {stdout} = await kq(['kafka:status', '--dir', trio.dir, '--json'])
    const parsed = JSON.parse(stdout)
    return (parsed.error?.status ?? parsed) as LocalKafkaStatus
  }

  let beforeKill: LocalKafkaStatus
  let victim: LocalKafkaStatus['nodes'][number]
  let topic: string
  /** A partition of `topic` that the killed node led. */
  let orphan: number
  /** Opened before the kill, with a send timeout shorter than Kafka takes to count a node dead. */
  let hurried: Publisher
  /** A topic of one replica per partition, one of them on the killed node. */
  let stray: string
  /** Its partitions on the killed node, and the others. */
  let strayDown: number[]
  let strayUp: number[]
  /** A queue of one replica per partition, with jobs on each, one partition on the killed node. */
  let lone: {queue: string; app: TestApp; down: number; jobsUp: number}
  /** A queue whose failing job's retry (or dead letter) goes to a partition on the killed node. */
  let stranded: StrandedRetry
  const connection = () => ({brokers: trio.brokers.split(','), clientId: 'kq-test', connectTimeoutMs: 10_000, ssl: false})

  before(async () => {
    trio = await sharedTrio()
    topic = uniqueTopic('degraded')
    await withTopicAdmin(connection(), (admin) => admin.createTopics([{name: topic, partitions: 3, replicationFactor: 3}]))
    beforeKill = await statusOf()
    victim = beforeKill.nodes[2]
    assert.ok(victim.pid)
    const {partitions} = (await kcatMetadata(trio.brokers, topic)).topics.find((each) => each.topic === topic)!
    const led = partitions.find((each) => each.leader === victim.id)
    assert.ok(led, `node ${victim.id} leads none of ${topic}'s partitions`)
    orphan = led.partition
    stray = uniqueTopic('stray')
    await withTopicAdmin(connection(), (admin) => admin.createTopics([{name: stray, partitions: 3, replicationFactor: 1}]))
    const strayPartitions = (await kcatMetadata(trio.brokers, stray)).topics.find((each) => each.topic === stray)!.partitions
    strayDown = strayPartitions.filter((each) => each.leader === victim.id).map((each) => each.partition).sort()
    strayUp = strayPartitions.filter((each) => each.leader !== victim.id).map((each) => each.partition)
    assert.ok(strayDown.length > 0, `node ${victim.id} holds none of ${stray}'s partitions`)
    lone = await loneReplicaQueue(trio.brokers, victim.id)
    stranded = await strandedRetryQueue(trio.brokers, victim.id)
    hurried = await openPublisher(connection(), {sendTimeoutMs: 5000})
    await hurried.assertTopicExists(topic)
    process.kill(victim.pid, 'SIGKILL')
  })

  after(() => {
    lone?.app.remove()
    stranded?.app.remove()
  })

  // Kafka counts a node killed -9 alive for about 9 s (broker.session.timeout.ms), and names it
  // leader of its partitions until then: a send to one of them is refused all that time. The
  // refusal is tried again until the send timeout is nearly out, and then it is what the error
  // names, not replicas that do not confirm (the timeout's own words, for a send left unanswered).
  it('names the node that refuses when a send to its partition outlasts the send timeout', async () => {
    try {
      const error = await hurried.send(topic, {key: 'hurried', value: '{}'}, {partition: orphan}).then(
        () => assert.fail('the send went through before Kafka could have moved the partition'),
        (error: unknown) => error,
      )
      assert.ok(error instanceof BrokerUnreachableError, String(error))
      assert.ok(error.message.startsWith(`cannot reach Kafka at ${victim.address} (connection refused): the other brokers answer`), error.message)
    } finally {
      await hurried.close()
    }
  })

  // Until Kafka fences the dead node (seconds), a new producer may ask it for its producer id, as
  // each client's metadata names a live-looking node at random: one in three failed to open then.
  // Nine at once, each a new client, all open only when a refusal is tried again on another node.
  // Each then sends to a partition the dead node led: the send waits for Kafka to move it, however
  // long that takes under load, within the send timeout (kafkajs's own retries gave up at ~15 s).
  it('opens new publishers and sends through the two running nodes at once', async () => {
    const publishers = 9
    await Promise.all(
      Array.from({length: publishers}, async (_, each) => {
        const publisher = await openPublisher(connection(), {sendTimeoutMs: 30_000})
        try {
          await publisher.send(topic, {key: `job-${each}`, value: `{"n":${each}}`}, {partition: orphan})
        } finally {
          await publisher.close()
        }
      }),
    )

    assert.equal(await endOffsetTotalOn(connection(), topic), publishers)
  })

  // Its partition on the dead node has no leader, and no other replica to elect: kafkajs failed
  // every request for the metadata of all topics, so every new kq command, while it lasted.
  it('dispatches with kq dispatch, though a topic of one replica lost its only node', async () => {
    const app = makeTestApp({jobs: {Report: jobSource('Report')}})
    const before = await endOffsetTotalOn(connection(), topic)
    try {
      const sent = await kq(['dispatch', 'Report', '{"data":"x"}', '--queue', topic, '--brokers', trio.brokers], {cwd: app.root})
      assert.equal(sent.code, 0, sent.stderr)
    } finally {
      app.remove()
    }

    assert.equal(await endOffsetTotalOn(connection(), topic), before + 1)
  })

  // kq topic:list read every partition's offsets in one request, and one partition without a
  // leader failed it: the listing an operator reaches for first was gone while a node was down.
  it('lists topics, counting the messages of every partition but those whose only node died', async () => {
    await kcat(['-b', trio.brokers, '-P', '-t', stray, '-p', String(strayUp[0])], 'one\ntwo\n')
    await untilLeaderless(trio.brokers, stray, strayDown[0])

    const listed = await kq(['topic:list', '--brokers', trio.brokers, '--json'])
    assert.equal(listed.code, 0, listed.stderr)
    const summary = (JSON.parse(listed.stdout) as TopicListResult).topics.find((each) => each.name === stray)
    assert.deepEqual({messages: summary?.messages, partitionsWithoutLeader: summary?.partitionsWithoutLeader}, {messages: 2, partitionsWithoutLeader: strayDown})
    const table = await kq(['topic:list', '--brokers', trio.brokers])
    assert.equal(table.code, 0, table.stderr)
    const row = table.stdout.split('\n').find((line) => line.includes(stray))
    assert.match(row ?? '', new RegExp(`2 \\+ \\? \\(no leader for partitions? ${strayDown.join(', ')}: its brokers are down\\)`))
  })

  // kafkajs read the offsets of all a new member's partitions before fetching any, failed on the
  // one without a leader ("Broker -1 not found"), and tried again at once, for ever: the worker
  // ran nothing, said nothing and spun a core until it was killed.
  it('works the partitions of a queue that have a leader, and names those that have none', async () => {
    await untilLeaderless(trio.brokers, lone.queue, lone.down)
    const group = uniqueTopic('lone-workers')
    const worked = await kq(['work', lone.queue, '--group', group, '--from-beginning', '--stop-when-empty', '--json', '--brokers', trio.brokers], {cwd: lone.app.root, timeoutMs: 60_000})
    assert.equal(worked.code, 0, worked.stderr)
    const events = worked.stdout.trim().split('\n').map((line) => JSON.parse(line) as {event: string; partition?: number; message?: string})
    const done = events.filter((each) => each.event === 'job:done')
    assert.equal(done.length, lone.jobsUp)
    assert.ok(done.every((each) => each.partition !== lone.down))
    const warning = events.find((each) => each.event === 'warning' && each.message?.startsWith('no leader for '))
    assert.ok(warning?.message?.includes(`${lone.queue}[${lone.down}]`), JSON.stringify(events.filter((each) => each.event === 'warning')))
  })

  // The worker tried the write for a minute holding its slot (at --concurrency 1, every other job
  // waited), then stopped with an error: under a supervisor it started again into the same wait.
  it('keeps working while a failed job\'s retry waits for a partition without a leader, and stops at once when asked', async () => {
    const {queue, app, target, partition, key} = stranded
    await untilLeaderless(trio.brokers, target, partition)
    const sent = await kq(['dispatch', 'Fails', '{"fail":true}', '--queue', queue, '--key', key, '--json', '--brokers', trio.brokers], {cwd: app.root})
    assert.equal(sent.code, 0, sent.stderr)
    const failing = JSON.parse(sent.stdout) as {partition: number; offset: number}
    assert.equal(failing.partition, partition)
    const others = Array.from({length: 5}, (_, n) => JSON.stringify({n})).join('\n')
    writeFileSync(path.join(app.root, 'others.ndjson'), `${others}\n`)
    const group = uniqueTopic('stranded-workers')
    const worker = spawnWorker([queue, '--group', group, '--from-beginning', '--concurrency', '1', '--json', '--brokers', trio.brokers], {cwd: app.root})
    try {
      await worker.waitFor('the warning', (each) => each.stdout.includes(`no leader for ${target}[${partition}]`), 60_000)
      const more = await kq(['dispatch', 'Fails', '--ndjson', 'others.ndjson', '--queue', queue, '--brokers', trio.brokers], {cwd: app.root})
      assert.equal(more.code, 0, more.stderr)
      const done = () => worker.stdout.split('\n').filter((line) => line.includes('"event":"job:done"')).length
      await worker.waitFor('the other jobs', () => done() >= stranded.probesWorked + 5, 30_000)
    } finally {
      const started = Date.now()
      const exited = await worker.stop('SIGTERM')
      assert.equal(exited.code, 0, worker.stderr)
      assert.ok(Date.now() - started < 10_000, `the stop took ${Date.now() - started} ms`)
    }

    assert.ok(worker.stdout.includes(`stopped before a record for ${target} was written`), worker.stdout)
    const committed = await withTopicAdmin(connection(), (admin) => admin.committedOffsets(group, queue))
    const onIt = committed.find((each) => each.partition === partition)?.offset ?? -1
    assert.ok(onIt <= failing.offset, `committed ${onIt} past the unfinished job at ${failing.offset}`)
  })

  it('names the stopped node and says kafka:up starts it again, which it does without touching the others', async () => {
    for (let attempt = 0; attempt < 50 && (await statusOf()).nodes[2].running; attempt++) await new Promise((resolve) => setTimeout(resolve, 100))

    const degraded = await kq(['kafka:status', '--dir', trio.dir])
    assert.equal(degraded.code, ExitCode.LocalKafka)
    assert.equal(
      degraded.stderr,
      `Error: node ${victim.id} is stopped: \`kq kafka:up --dir ${trio.dir}\` starts it again and leaves the running nodes alone; the node logs above say why\n`,
    )

    const up = await kq(['kafka:up', '--dir', trio.dir, '--cache-dir', JAR_CACHE, '--heap', '384'], {timeoutMs: 180_000})
    assert.equal(up.code, 0, up.stderr)
    const after = await statusOf()
    assert.equal(after.health, 'running')
    assert.deepEqual(after.nodes.slice(0, 2).map((node) => node.pid), beforeKill.nodes.slice(0, 2).map((node) => node.pid))
    assert.notEqual(after.nodes[2].pid, victim.pid)
  })
})

/** Waits until Kafka names no leader for the partition: it counts a killed node dead after about 9 s. */
async function untilLeaderless(brokers: string, topic: string, partition: number): Promise<void> {
  const leaderOf = async () => (await kcatMetadata(brokers, topic)).topics.find((each) => each.topic === topic)!.partitions.find((each) => each.partition === partition)!.leader
  for (let waited = 0; (await leaderOf()) !== -1; waited += 250) {
    assert.ok(waited < 30_000, `Kafka still names a leader of ${topic}[${partition}]`)
    await sleep(250)
  }
}

/**
 * A queue whose topics have one replica per partition, made by kq, with jobs on every partition
 * of its queue topic: what a node holds alone is lost with it until it is back.
 */
async function loneReplicaQueue(brokers: string, victim: number): Promise<{queue: string; app: TestApp; down: number; jobsUp: number}> {
  const queue = uniqueTopic('lone')
  const made = await kq(['topic:create', queue, '--partitions', '3', '--replication-factor', '1', '--brokers', brokers])
  assert.equal(made.code, 0, made.stderr)
  const {partitions} = (await kcatMetadata(brokers, queue)).topics.find((each) => each.topic === queue)!
  const down = partitions.find((each) => each.leader === victim)?.partition
  assert.ok(down !== undefined, `node ${victim} holds none of ${queue}'s partitions`)
  const app = makeTestApp({jobs: {Report: jobSource('Report')}})
  const lines = Array.from({length: 30}, (_, n) => JSON.stringify({n})).join('\n')
  writeFileSync(path.join(app.root, 'jobs.ndjson'), `${lines}\n`)
  const sent = await kq(['dispatch', 'Report', '--ndjson', 'jobs.ndjson', '--queue', queue, '--brokers', brokers], {cwd: app.root})
  assert.equal(sent.code, 0, sent.stderr)
  const ends = await withTopicAdmin({brokers: brokers.split(','), clientId: 'kq-test', connectTimeoutMs: 10_000, ssl: false}, (admin) => admin.topicOffsets(queue))
  assert.ok(ends.find((each) => each.partition === down)!.high > 0, `no job landed on ${queue}[${down}]`)
  const jobsUp = ends.filter((each) => each.partition !== down).reduce((sum, each) => sum + each.high, 0)
  return {queue, app, down, jobsUp}
}

interface StrandedRetry {
  queue: string
  app: TestApp
  /** The topic the failing job's record goes to, and its partition on the killed node. */
  target: string
  partition: number
  /** A key on that partition, whose queue partition is on a running node. */
  key: string
  /** The jobs dispatched to find that key which a running node's partitions hold: they are worked too. */
  probesWorked: number
}

/**
 * A queue of one replica per partition, and a job that fails once and writes its record where
 * the killed node holds the partition its key maps to, while the key's queue partition is on a
 * running node: among the retry topic, the delay rungs and the dead-letter topic, one such is
 * picked (Kafka places each topic's partitions by itself), and the job's backoff sends it there.
 */
async function strandedRetryQueue(brokers: string, victim: number): Promise<StrandedRetry> {
  const queue = uniqueTopic('stranded')
  const made = await kq(['topic:create', queue, '--partitions', '3', '--replication-factor', '1', '--brokers', brokers])
  assert.equal(made.code, 0, made.stderr)
  const leaders = async (topic: string) => (await kcatMetadata(brokers, topic)).topics.find((each) => each.topic === topic)!.partitions
  const queueLeaders = await leaders(queue)
  const topics = topicsForTopic(queue)
  const [rung1s, rung10s, rung1m] = delayTopicsOf(queue)
  const choices = [
    {target: topics.retryTopic, settings: 'tries = 2\n  backoff = 0'},
    {target: rung1s, settings: 'tries = 2\n  backoff = 2'},
    {target: rung10s, settings: 'tries = 2\n  backoff = 15'},
    {target: rung1m, settings: 'tries = 2\n  backoff = 90'},
    {target: topics.deadLetterTopic, settings: 'tries = 1'},
  ]
  for (const {target, settings} of choices) {
    const onVictim = (await leaders(target)).find((each) => each.leader === victim)?.partition
    if (onVictim === undefined || queueLeaders.find((each) => each.partition === onVictim)?.leader === victim) continue
    const body = `  ${settings}\n\n  async handle(payload: {fail?: boolean}): Promise<void> {\n    if (payload.fail) throw new Error('fails')\n  }`
    const app = makeTestApp({jobs: {Fails: jobSource('Fails', {body})}})
    let probesWorked = 0
    for (let n = 0; n < 30; n++) {
      const probe = await kq(['dispatch', 'Fails', '{}', '--queue', queue, '--key', `key-${n}`, '--json', '--brokers', brokers], {cwd: app.root})
      assert.equal(probe.code, 0, probe.stderr)
      const landed = (JSON.parse(probe.stdout) as {partition: number}).partition
      if (queueLeaders.find((each) => each.partition === landed)?.leader !== victim) probesWorked++
      if (landed === onVictim) return {queue, app, target, partition: onVictim, key: `key-${n}`, probesWorked}
    }
  }

  throw new Error(`node ${victim} holds no partition of ${queue}'s retry, delay or dead-letter topics that a running node's queue partition maps to`)
}
