import {strict as assert} from 'node:assert'

import {type KqConfig, loadConfig} from '../../../src/lib/config/index.js'
import {DeadLetterStore} from '../../../src/lib/dead-letter/store.js'
import {decodeEnvelope} from '../../../src/lib/envelope/index.js'
import {TopicNotFoundError} from '../../../src/lib/errors.js'
import {uniqueTopic} from '../../support/cli.js'
import {cursorOf, writeDeadLetters} from '../../support/dead-letters.js'
import {createQueue, kcatRecords} from '../../support/topics.js'

const HOUR = 3_600_000

describe('DeadLetterStore', function () {
  this.timeout(60_000)

  let config: KqConfig
  let store: DeadLetterStore
  let group: string

  beforeEach(async () => {
    // Here, not above: the test broker's address is known once the global setup has run.
    config = loadConfig({env: process.env, cwd: '/nonexistent'})
    group = uniqueTopic('g')
    store = await DeadLetterStore.open(config, group)
  })

  afterEach(async () => {
    await store.close()
  })

  const ago = (hours: number) => new Date(Date.now() - hours * HOUR)

  it('loads the pending dead letters of a queue, oldest failure first, under the <group>-dlt cursor', async () => {
    const queue = await createQueue('store-load')
    await writeDeadLetters(queue, [{job: 'Late', failedAt: ago(1)}, {job: 'Early', failedAt: ago(3)}, {raw: 'not a job', failedAt: ago(2)}])
    const state = await store.load(queue)
    assert.equal(state.group, `${group}-dlt`)
    assert.equal(state.topic, `${queue}-dlt`)
    assert.equal(state.queueTopic, queue)
    assert.deepEqual(state.letters.map((letter) => [letter.job, letter.offset, letter.handled]), [
      ['Early', 1, false],
      [null, 2, false],
      ['Late', 0, false],
    ])
    assert.equal(state.pending, 3)
    assert.equal(state.handled, 0)
  })

  it('purges a dead letter past the cursor by listing it handled, then moves the cursor once the gap before it closes', async () => {
    const queue = await createQueue('store-purge')
    await writeDeadLetters(queue, [{job: 'A'}, {job: 'B'}, {job: 'C'}])
    const middle = (await store.load(queue)).letters.find((letter) => letter.job === 'B')!
    const first = await store.purge(await store.load(queue), [middle])
    assert.deepEqual(first.purged.map((each) => each.deadLetter), ['0:1'])
    assert.deepEqual(first.cursor.map(({partition, offset, handledBeyond}) => ({partition, offset, handledBeyond})), [{partition: 0, offset: 0, handledBeyond: 1}])

    const after = await store.load(queue)
    assert.deepEqual(after.letters.map((letter) => letter.job), ['A', 'C'])
    assert.equal(after.pending, 2)
    assert.equal(after.handled, 1)
    assert.deepEqual((await store.load(queue, {all: true})).letters.map((letter) => [letter.job, letter.handled]), [
      ['A', false],
      ['B', true],
      ['C', false],
    ])

    await store.purge(after, after.letters.filter((letter) => letter.job === 'A'))
    assert.deepEqual(await cursorOf(queue, group), [{partition: 0, offset: 2}])
    assert.deepEqual((await store.load(queue)).letters.map((letter) => letter.job), ['C'])
  })

  it('replays a job onto its queue as dispatched, counts the replay, and refuses what is not a job', async () => {
    const queue = await createQueue('store-replay')
    const [job] = await writeDeadLetters(queue, [{job: 'SendEmail', payload: {to: 'ada@example.com'}, key: 'user-1'}, {raw: 'not a job'}])
    const state = await store.load(queue)
    const result = await store.replay(state, state.letters)
    assert.equal(result.dryRun, false)
    assert.equal(result.to, queue)
    assert.deepEqual(result.replayed.map(({id, deadLetter, replayCount}) => ({id, deadLetter, replayCount})), [{id: job.id, deadLetter: '0:0', replayCount: 1}])
    assert.deepEqual(result.refused.map(({position, problem}) => ({position, problem})), [{position: '0:1', problem: 'not-a-job'}])

    const [record, ...others] = await kcatRecords(queue)
    assert.equal(others.length, 0)
    assert.equal(record.key, 'user-1')
    assert.equal(record.headers['kq-replay-count'], '1')
    const envelope = decodeEnvelope(record.payload)
    assert.deepEqual({id: envelope.id, attempt: envelope.attempt, payload: envelope.payload}, {id: job.id, attempt: 1, payload: {to: 'ada@example.com'}})

    // The refused one stays pending; the replayed one is handled.
    assert.deepEqual((await store.load(queue)).letters.map((letter) => letter.offset), [1])
  })

  it('changes nothing in a dry run', async () => {
    const queue = await createQueue('store-dry')
    await writeDeadLetters(queue, [{job: 'A'}, {job: 'B'}])
    const state = await store.load(queue)
    const replay = await store.replay(state, state.letters, {dryRun: true})
    const purge = await store.purge(state, state.letters, {dryRun: true})
    assert.deepEqual([replay.replayed.length, replay.cursor, purge.purged.length, purge.cursor], [2, [], 2, []])
    assert.deepEqual(await kcatRecords(queue), [])
    assert.equal((await store.load(queue)).pending, 2)
  })

  it('leaves alone, and names, the selected dead letters another client handled since they were read', async () => {
    const queue = await createQueue('store-race')
    const [first, second] = await writeDeadLetters(queue, [{job: 'A'}, {job: 'B'}])
    const stale = await store.load(queue)
    const other = await DeadLetterStore.open(config, group)
    try {
      await other.purge(await other.load(queue), stale.letters.filter((letter) => letter.job === 'A'))
    } finally {
      await other.close()
    }

    const result = await store.purge(stale, stale.letters)
    assert.deepEqual(result.alreadyHandled, [first.id])
    assert.deepEqual(result.purged.map((each) => each.id), [second.id])
    assert.deepEqual(await cursorOf(queue, group), [{partition: 0, offset: 2}])
  })

  it('refuses a queue without a dead-letter topic, creating none', async () => {
    await assert.rejects(store.load(uniqueTopic('no-such-queue')), TopicNotFoundError)
  })
})
