import {strict as assert} from 'node:assert'

import {topicsForTopic} from '../../../src/lib/config/index.js'
import {type IncomingMessage, type OutgoingMessage, type PartitionPosition, type TopicPartition} from '../../../src/lib/kafka/index.js'
import {Engine} from '../../../src/lib/worker/engine.js'
import {type Handled, type JobProcessor} from '../../../src/lib/worker/processor.js'
import {topicRoles} from '../../../src/lib/worker/topic-roles.js'

/**
 * The engine between fetching and running, driven one fetched run at a time. Its processor is
 * a stand-in that runs nothing (what a job does is the processor's, tested against Kafka).
 */
function harness(options: {concurrency?: number; prefetch?: number; queues?: string[]; commitFails?: () => boolean; outOfWork?: () => void} = {}) {
  const started: IncomingMessage[] = []
  const written: Array<{topic: string; record: OutgoingMessage}> = []
  const finishers = new Map<string, () => void>()
  const paused = new Set<string>()
  const commits: PartitionPosition[][] = []
  const processor = {
    /** Set by a test: records whose failure record waits for a leader. */
    writesWaiting: 0,
    async process(record: IncomingMessage): Promise<readonly Handled[]> {
      started.push(record)
      await new Promise<void>((resolve) => finishers.set(`${record.topic}@${record.offset}`, resolve))
      return ['done']
    },
    async write(topic: string, record: OutgoingMessage): Promise<void> {
      written.push({topic, record})
    },
  }
  const key = ({topic, partition}: TopicPartition) => `${topic}:${partition}`
  const engine = new Engine({
    concurrency: options.concurrency ?? 1,
    prefetch: options.prefetch ?? 1000,
    restMs: 0,
    group: 'workers',
    roles: topicRoles((options.queues ?? ['jobs']).map((queue) => topicsForTopic(queue))),
    processor: processor as unknown as JobProcessor,
    pause: (partitions) => partitions.forEach((each) => paused.add(key(each))),
    resume: (partitions) => partitions.forEach((each) => paused.delete(key(each))),
    commit: async (positions) => {
      if (options.commitFails?.()) throw new Error('broker gone')
      commits.push(positions)
    },
    handled: () => {},
    failed: (error) => assert.fail(String(error)),
    ...(options.outOfWork && {outOfWork: options.outOfWork}),
  })
  const finish = async (topic: string, offset: number) => {
    finishers.get(`${topic}@${offset}`)?.()
    await new Promise((resolve) => setImmediate(resolve))
  }

  return {engine, started, written, paused, commits, finish, processor}
}

function records(topic: string, offsets: number[], headers: Record<string, string> = {}, timestamp = Date.now()): {topic: string; partition: number; records: IncomingMessage[]} {
  return {
    topic,
    partition: 0,
    records: offsets.map((offset) => ({topic, partition: 0, offset, timestamp, key: null, value: Buffer.from('{}'), headers})),
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('worker engine', () => {
  it('starts jobs as slots free, whatever batch they came in, and commits the contiguous watermark', async () => {
    const {engine, started, commits, finish} = harness({concurrency: 2})
    await engine.assign([{topic: 'jobs', partition: 0}], async () => {})
    assert.equal(engine.take(records('jobs', [0, 1])), 2)
    assert.equal(engine.take(records('jobs', [2, 3])), 2, 'a second run is taken while the first still runs')
    assert.deepEqual(started.map((each) => each.offset), [0, 1])
    await finish('jobs', 1)
    assert.deepEqual(started.map((each) => each.offset), [0, 1, 2], 'a slot freed by 1 starts 2 though 0 still runs')
    assert.equal(commits.length, 0, 'nothing is committed past the unfinished 0')
    await finish('jobs', 0)
    await settle()
    assert.equal(commits.at(-1)?.[0].offset, 2)
  })

  it('frees the slot of a job whose retry waits for a leader, and commits nothing past it until it is written', async () => {
    const {engine, started, commits, finish, processor} = harness({concurrency: 1})
    await engine.assign([{topic: 'jobs', partition: 0}], async () => {})
    engine.take(records('jobs', [0, 1, 2]))
    assert.deepEqual(started.map((each) => each.offset), [0])
    processor.writesWaiting = 1
    engine.wake()
    assert.deepEqual(started.map((each) => each.offset), [0, 1], 'the waiting write of 0 holds no slot')
    await finish('jobs', 1)
    assert.deepEqual(started.map((each) => each.offset), [0, 1, 2])
    await finish('jobs', 2)
    await settle()
    assert.equal(commits.length, 0, 'nothing is committed past 0, whose retry is not written')
    processor.writesWaiting = 0
    await finish('jobs', 0)
    await settle()
    assert.equal(commits.at(-1)?.[0].offset, 3)
  })

  it('says it is out of work only once every job ended and each partition is taken to the end its last fetch saw', async () => {
    let told = 0
    const {engine, finish} = harness({concurrency: 2, outOfWork: () => told++})
    await engine.assign([{topic: 'jobs', partition: 0}], async () => {})
    engine.take({...records('jobs', [0, 1]), end: 4})
    await finish('jobs', 0)
    await finish('jobs', 1)
    assert.equal(told, 0, 'offsets 2 and 3 were on the partition when it was fetched')
    engine.take({...records('jobs', [2, 3]), end: 4})
    await finish('jobs', 2)
    assert.equal(told, 0, 'offset 3 still runs')
    await finish('jobs', 3)
    assert.equal(told, 1)
    engine.stopStarting()
  })

  it('takes a delay rung up to its first record that is not due, and pauses the rung until then', async () => {
    const {engine, started, paused} = harness()
    await engine.assign([{topic: 'jobs-delay-1m', partition: 0}], async () => {})
    const old = records('jobs-delay-1m', [0], {}, Date.now() - 61_000)
    const young = records('jobs-delay-1m', [1, 2], {}, Date.now())
    const taken = engine.take({...old, records: [...old.records, ...young.records]})
    assert.equal(taken, 1)
    assert.deepEqual(started.map((each) => each.offset), [0])
    assert.ok(paused.has('jobs-delay-1m:0'))
    engine.stopStarting()
  })

  it('moves a record with more than a second left to the rung for what remains, as its group’s', async () => {
    const {engine, written, started} = harness()
    await engine.assign([{topic: 'jobs', partition: 0}], async () => {})
    const due = new Date(Date.now() + 90_000).toISOString()
    engine.take(records('jobs', [0], {'kq-not-before': due}))
    await settle()
    assert.deepEqual(started, [])
    assert.equal(written.length, 1)
    assert.equal(written[0].topic, 'jobs-delay-1m')
    assert.equal(written[0].record.headers?.['kq-consumer-group'], 'workers')
    assert.equal(written[0].record.headers?.['kq-not-before'], due)
  })

  it('leaves retry and delay records of another group to that group', async () => {
    const {engine, started, commits} = harness()
    await engine.assign([{topic: 'jobs-retry', partition: 0}], async () => {})
    engine.take(records('jobs-retry', [0], {'kq-consumer-group': 'someone-else'}))
    await settle()
    assert.deepEqual(started, [])
    assert.equal(commits.at(-1)?.[0].offset, 1, 'finished without running')
  })

  it('skips what the last owner finished above its watermark, and what it took already', async () => {
    const {engine, started} = harness({concurrency: 10})
    await engine.assign([{topic: 'jobs', partition: 0}], async (ledger) => {
      ledger.finishedBefore = new Set([1, 3])
    })
    engine.take(records('jobs', [0, 1, 2, 3]))
    engine.take(records('jobs', [2, 3, 4]))
    assert.deepEqual(started.map((each) => each.offset), [0, 2, 4])
  })

  it('keeps a new partition waiting, not paused, until its last owner\'s progress is read', async () => {
    const {engine, started, paused} = harness({concurrency: 10})
    let read!: () => void
    const assigned = engine.assign([{topic: 'jobs', partition: 0}], (ledger) => new Promise<void>((resolve) => {
      read = () => {
        ledger.finishedBefore = new Set([1])
        resolve()
      }
    }))
    const ready = engine.ready('jobs', 0)
    assert.ok(ready, 'not ready while its progress is read')
    assert.deepEqual([...paused], [], 'fetching goes on meanwhile')
    // Offered anyway: nothing is taken, and the partition is held until it is ready.
    assert.equal(engine.take(records('jobs', [0, 1, 2])), 0)
    assert.deepEqual([...paused], ['jobs:0'])
    read()
    await ready
    await assigned
    await settle()
    assert.equal(engine.ready('jobs', 0), undefined)
    assert.deepEqual([...paused], [], 'resumed once ready')
    engine.take(records('jobs', [0, 1, 2]))
    assert.deepEqual(started.map((each) => each.offset), [0, 2], 'what the last owner finished is skipped')
  })

  it('ends the wait for a partition\'s progress when the worker stops', async () => {
    const {engine} = harness()
    void engine.assign([{topic: 'jobs', partition: 0}], () => new Promise<void>(() => {}))
    const ready = engine.ready('jobs', 0)!
    engine.stopStarting()
    await ready
  })

  it('starts no new job while commits fail, and goes on once one works again', async () => {
    let brokerAway = true
    const {engine, started, finish, commits} = harness({concurrency: 1, commitFails: () => brokerAway})
    await engine.assign([{topic: 'jobs', partition: 0}], async () => {})
    engine.take(records('jobs', [0, 1, 2, 3]))
    await finish('jobs', 0)
    await settle()
    // Offset 1 started before the commit of 0 came back refused; after that, nothing starts.
    await finish('jobs', 1)
    await settle()
    assert.deepEqual(started.map((each) => each.offset), [0, 1], 'offset 2 waits while commits fail')
    brokerAway = false
    // The committer tries again on its own (500 ms later), without another job finishing.
    for (let waited = 0; started.length < 3 && waited < 3000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50))
    assert.deepEqual(started.map((each) => each.offset), [0, 1, 2])
    assert.equal(commits.at(-1)?.[0].offset, 2)
    engine.stopStarting()
  })

  it('holds the next fetch while a full buffer is worked off, without pausing, when room comes soon', async () => {
    const {engine, paused, finish} = harness({prefetch: 4})
    await engine.assign([{topic: 'jobs', partition: 0}], async () => {})
    assert.equal(engine.room(), undefined, 'nothing waiting: fetch at once')
    engine.take(records('jobs', [0, 1, 2, 3, 4, 5]))
    let fetchedAgain = false
    const room = engine.room()!.then(() => {
      fetchedAgain = true
    })
    for (const offset of [0, 1]) await finish('jobs', offset)
    assert.equal(fetchedAgain, false, 'three waiting of a buffer of four: still full')
    await finish('jobs', 2)
    await room
    assert.ok(fetchedAgain)
    assert.ok(!paused.has('jobs:0'))
  })

  it('pauses a partition whose full buffer is not worked off soon, and resumes it once half is', async () => {
    const {engine, paused, finish} = harness({prefetch: 4})
    await engine.assign([{topic: 'jobs', partition: 0}], async () => {})
    engine.take(records('jobs', [0, 1, 2, 3, 4, 5]))
    await engine.room()
    assert.ok(paused.has('jobs:0'))
    assert.equal(engine.room(), undefined, 'the other partitions are fetched meanwhile')
    for (const offset of [0, 1, 2]) await finish('jobs', offset)
    assert.ok(!paused.has('jobs:0'), 'two waiting of a buffer of four: fetching again')
  })

  it('never pauses an earlier queue for a later queue’s full buffer, and runs its jobs first', async () => {
    const {engine, paused, started, finish} = harness({prefetch: 4, queues: ['high', 'low']})
    await engine.assign(
      [
        {topic: 'high', partition: 0},
        {topic: 'low', partition: 0},
      ],
      // Nothing waited at the join: what comes later is dispatched while the worker runs.
      async () => false,
    )
    engine.take(records('low', [0, 1, 2, 3, 4, 5]))
    await engine.room()
    assert.ok(paused.has('low:0'))
    engine.take(records('high', [0]))
    assert.equal(engine.room(), undefined)
    assert.ok(!paused.has('high:0'))
    await finish('low', 0)
    assert.deepEqual(
      started.map((each) => `${each.topic}@${each.offset}`),
      ['low@0', 'high@0'],
    )
  })

  it('starts a later queue’s jobs only once an earlier queue’s new partition with records waiting was fetched', async () => {
    const {engine, started} = harness({concurrency: 2, queues: ['high', 'low']})
    let highRead!: () => void
    const assigned = engine.assign(
      [
        {topic: 'high', partition: 0},
        {topic: 'low', partition: 0},
      ],
      (ledger) => (ledger.topic === 'high' ? new Promise<boolean>((resolve) => (highRead = () => resolve(true))) : Promise.resolve(true)),
    )
    await settle()
    // low's progress was read first, and its records came first: they wait for high's.
    assert.equal(engine.take(records('low', [0, 1])), 2)
    assert.equal(started.length, 0)
    highRead()
    await assigned
    assert.equal(started.length, 0, 'high has records waiting, not yet fetched')
    engine.take(records('high', [0]))
    assert.deepEqual(
      started.map((each) => `${each.topic}@${each.offset}`),
      ['high@0', 'low@0'],
    )
  })

  it('lets a later queue start at once when an earlier queue’s partitions have nothing waiting', async () => {
    const {engine, started} = harness({queues: ['high', 'low']})
    await engine.assign(
      [
        {topic: 'high', partition: 0},
        {topic: 'low', partition: 0},
      ],
      async (ledger) => ledger.topic !== 'high',
    )
    engine.take(records('low', [0]))
    assert.deepEqual(started.map((each) => `${each.topic}@${each.offset}`), ['low@0'])
  })

  it('lets a later queue start when an earlier queue is paused (kq pause), though its records were not fetched', async () => {
    const {engine, started} = harness({queues: ['high', 'low']})
    engine.holdQueue(0, true)
    await engine.assign(
      [
        {topic: 'high', partition: 0},
        {topic: 'low', partition: 0},
      ],
      async () => true,
    )
    engine.take(records('low', [0]))
    assert.deepEqual(started.map((each) => `${each.topic}@${each.offset}`), ['low@0'])
  })

  it('starts nothing more once told to stop, and waits for what runs', async () => {
    const {engine, started, finish} = harness()
    await engine.assign([{topic: 'jobs', partition: 0}], async () => {})
    engine.take(records('jobs', [0, 1]))
    engine.stopStarting()
    const drained = engine.drain()
    await finish('jobs', 0)
    await drained
    assert.deepEqual(started.map((each) => each.offset), [0])
  })
})
