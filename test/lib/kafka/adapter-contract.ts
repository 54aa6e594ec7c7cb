import {strict as assert} from 'node:assert'

import {BrokerUnreachableError, GroupHasMembersError, RecordTooLargeError, TopicNotFoundError} from '../../../src/lib/errors.js'
import {
  type FetchedRecords,
  type IncomingMessage,
  type KafkaAdapter,
  type MemberProcess,
  type Publisher,
  type RecordSink,
  type Subscriber,
  type TopicAdmin,
} from '../../../src/lib/kafka/index.js'
import {uniqueTopic} from '../../support/cli.js'
import {closedPort} from '../../support/ports.js'
import {kcat} from '../../support/kcat.js'
import {kcatRecords, testConnection} from '../../support/topics.js'

/**
 * What kq needs of a Kafka client, against a real broker. Every adapter behind the port
 * (src/lib/kafka/types.ts) must pass these: call it from a test file of the adapter.
 */
export function describeAdapterContract(name: string, adapter: KafkaAdapter): void {
  describe(`Kafka adapter contract: ${name}`, function () {
    this.timeout(120_000)
    let admin: TopicAdmin
    let publisher: Publisher
    const subscribers: Subscriber[] = []

    before(async () => {
      admin = await adapter.openTopicAdmin(testConnection())
      publisher = await adapter.openPublisher(testConnection())
    })

    afterEach(async () => {
      await Promise.all(subscribers.splice(0).map((subscriber) => subscriber.stop().catch(() => {})))
    })

    after(async () => {
      await publisher?.close()
      await admin?.close()
    })

    async function newTopic(partitions = 1): Promise<string> {
      const topic = uniqueTopic('contract')
      await admin.createTopics([{name: topic, partitions, replicationFactor: 1}])
      return topic
    }

    /** Joins a new group on `topic` and collects what it is given, taking everything. */
    async function collect(topic: string, options: {start?: 'earliest' | 'latest'; group?: string; sink?: Partial<RecordSink>; process?: MemberProcess} = {}) {
      const subscriber = await adapter.openSubscriber(testConnection(), {
        groupId: options.group ?? uniqueTopic('contract-group'),
        topics: [{name: topic, start: options.start ?? 'earliest'}],
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 30_000,
        maxWaitMs: 100,
        ...(options.process && {process: options.process}),
      })
      subscribers.push(subscriber)
      const records: IncomingMessage[] = []
      const joined = new Promise<void>((resolve) => subscriber.on('joined', () => resolve()))
      void subscriber.run({
        take: options.sink?.take ?? ((fetched: FetchedRecords) => records.push(...fetched.records)),
        room: options.sink?.room ?? (() => undefined),
        ready: options.sink?.ready ?? (() => undefined),
      })
      await joined
      return {subscriber, records}
    }

    async function until(condition: () => boolean, what: string): Promise<void> {
      for (let waited = 0; !condition(); waited += 50) {
        if (waited > 30_000) assert.fail(`gave up waiting for ${what}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }

    it('creates topics, describes the ones that exist and reports offsets as numbers', async () => {
      const topic = await newTopic(3)
      const missing = uniqueTopic('contract-missing')
      const described = await admin.describeTopics([topic, missing])
      assert.deepEqual(described.get(topic), {name: topic, partitions: 3, replicationFactor: 1})
      assert.equal(described.has(missing), false)
      assert.ok((await admin.listTopics()).includes(topic))
      await publisher.send(topic, {value: 'x'})
      const offsets = await admin.topicOffsets(topic)
      assert.equal(offsets.length, 3)
      assert.equal(offsets.reduce((sum, {low, high}) => sum + high - low, 0), 1, 'one record stored in all')
      assert.ok(offsets.every(({low, high}) => Number.isInteger(low) && Number.isInteger(high)))
    })

    it('finds no topic it may not describe without ACLs, and asking of a missing one creates none', async () => {
      const [topic, missing] = [await newTopic(1), uniqueTopic('contract-missing')]
      assert.deepEqual(await admin.undescribable([topic, missing]), [])
      assert.deepEqual(await admin.undescribable([]), [])
      assert.equal((await admin.listTopics()).includes(missing), false)
    })

    it('names no partition without a leader while every broker is up', async () => {
      const [three, one] = [await newTopic(3), await newTopic(1)]
      assert.deepEqual(await admin.partitionsWithoutLeader([three, one]), new Map())
      assert.deepEqual(await admin.partitionsWithoutLeader([]), new Map())
    })

    it('reads the offsets of many topics at once, each partition its own, and leaves out a topic that does not exist', async () => {
      const [three, one] = [await newTopic(3), await newTopic(1)]
      const missing = uniqueTopic('contract-missing')
      for (const partition of [0, 2, 2, 2]) await publisher.send(three, {value: 'x'}, {partition})
      for (let index = 0; index < 5; index++) await publisher.send(one, {value: 'x'})
      const {ends, committed} = await admin.offsetsOfTopics([three, missing, one])
      assert.deepEqual(committed, new Map(), 'no group asked about')
      assert.deepEqual(
        [...ends],
        [
          [
            three,
            [
              {partition: 0, low: 0, high: 1},
              {partition: 1, low: 0, high: 0},
              {partition: 2, low: 0, high: 3},
            ],
          ],
          [one, [{partition: 0, low: 0, high: 5}]],
        ],
      )
      assert.deepEqual(ends.get(three), await admin.topicOffsets(three), 'the same as asked one topic at a time')
      assert.deepEqual(await admin.offsetsOfTopics([], {committedBy: ['any']}), {ends: new Map(), committed: new Map([['any', new Map()]]), leaderless: new Map()})
    })

    it("reads groups' committed offsets on many topics at once, with their metadata, -1 where a group has none", async () => {
      const [started, committed, untouched] = [await newTopic(2), await newTopic(1), await newTopic(1)]
      const [group, other] = [uniqueTopic('contract-group'), uniqueTopic('contract-group')]
      await admin.startGroupAtBeginning(group, [started])
      for (const value of ['a', 'b']) await publisher.send(committed, {value})
      const member = await collect(committed, {group})
      await until(() => member.records.length === 2, 'two records')
      await member.subscriber.commit([{topic: committed, partition: 0, offset: 1, metadata: 'kq1:test'}])
      await member.subscriber.stop()
      const found = await admin.offsetsOfTopics([started, committed, untouched, uniqueTopic('contract-missing')], {committedBy: [group, other]})
      assert.deepEqual(Object.fromEntries(found.committed.get(group) ?? []), {
        [started]: [
          {partition: 0, offset: 0, metadata: null},
          {partition: 1, offset: 0, metadata: null},
        ],
        [committed]: [{partition: 0, offset: 1, metadata: 'kq1:test'}],
        [untouched]: [{partition: 0, offset: -1, metadata: null}],
      })
      assert.deepEqual(Object.fromEntries(found.committed.get(other) ?? []), {
        [started]: [
          {partition: 0, offset: -1, metadata: null},
          {partition: 1, offset: -1, metadata: null},
        ],
        [committed]: [{partition: 0, offset: -1, metadata: null}],
        [untouched]: [{partition: 0, offset: -1, metadata: null}],
      })
      assert.deepEqual(found.committed.get(group)?.get(committed), await admin.committedOffsetsWithMetadata(group, committed), 'the same as asked one topic at a time')
      assert.deepEqual(found.ends.get(committed), [{partition: 0, low: 0, high: 2}])
    })

    it('starts an idle group at the beginning of new topics, and refuses a group with members with GroupHasMembersError', async () => {
      const topics = [await newTopic(2), await newTopic(1)]
      const idle = uniqueTopic('contract-group')
      await admin.startGroupAtBeginning(idle, topics)
      assert.deepEqual(await admin.committedOffsets(idle, topics[0]), [
        {partition: 0, offset: 0},
        {partition: 1, offset: 0},
      ])
      assert.deepEqual(await admin.committedOffsets(idle, topics[1]), [{partition: 0, offset: 0}])

      const busy = uniqueTopic('contract-group')
      await collect(await newTopic(), {group: busy})
      await assert.rejects(admin.startGroupAtBeginning(busy, [topics[1]]), (error: unknown) => error instanceof GroupHasMembersError && error.groupId === busy && error.members === 1)
      assert.deepEqual(await admin.committedOffsets(busy, topics[1]), [{partition: 0, offset: -1}], 'no offset moved under running workers')
    })

    it('sends with acks from every replica and says where each record went, as a number offset', async () => {
      const topic = await newTopic()
      const first = await publisher.send(topic, {key: 'k', value: 'one', headers: {trace: 'abc'}})
      const second = await publisher.send(topic, {key: 'k', value: 'two'})
      assert.deepEqual(first, {topic, partition: 0, offset: 0})
      assert.deepEqual(second, {topic, partition: 0, offset: 1})
      // An independent client reads plain Kafka records with plain UTF-8 headers.
      const read = await kcatRecords(topic)
      assert.deepEqual(
        read.map(({key, payload, headers}) => ({key, payload, headers})),
        [
          {key: 'k', payload: 'one', headers: {trace: 'abc'}},
          {key: 'k', payload: 'two', headers: {}},
        ],
      )
    })

    it("sends a keyed record to the partition Kafka's Java client picks for its key, from a topic's first send on", async () => {
      const topic = await newTopic(3)
      const keys = ['user-1', 'user-2', 'user-3', 'user-4', 'user-5', 'user-6']
      // The first send reads the topic's partitions; the later ones already know them.
      for (const key of keys) await publisher.send(topic, {key, value: 'kq'})
      // librdkafka's murmur2 partitioner is the Java client's.
      await kcat(['-P', '-b', testConnection().brokers.join(','), '-t', topic, '-K', ':', '-X', 'partitioner=murmur2_random'], keys.map((key) => `${key}:kcat\n`).join(''))
      const read = await kcatRecords(topic)
      const partitionsOf = (payload: string) => keys.map((key) => read.find((record) => record.key === key && record.payload === payload)?.partition)
      assert.deepEqual(partitionsOf('kq'), partitionsOf('kcat'))
      assert.ok(new Set(partitionsOf('kq')).size > 1, 'the keys fall on more than one partition')
    })

    it('writes to the partition it is given, whatever the key would choose', async () => {
      const topic = await newTopic(3)
      const chosen = await publisher.send(topic, {key: 'k', value: 'chosen'})
      const other = (chosen.partition + 1) % 3
      assert.equal((await publisher.send(topic, {key: 'k', value: 'placed'}, {partition: other})).partition, other)
      assert.deepEqual((await kcatRecords(topic)).find((record) => record.payload === 'placed')?.partition, other)
    })

    it('keeps each partition\'s order for sends made side by side to many partitions, and tells each its own offset', async () => {
      const topic = await newTopic(6)
      // Four producers side by side, as an application's dispatcher has them.
      const laned = await adapter.openPublisher(testConnection(), {lanes: 4})
      const sends = Array.from({length: 600}, (_, index) => laned.send(topic, {key: null, value: `v${index}`}, {partition: index % 6}))
      const placed = await Promise.all(sends).finally(async () => laned.close())
      const read = await kcatRecords(topic)
      assert.equal(read.length, 600)
      for (const [index, where] of placed.entries()) {
        const record = read.find((each) => each.partition === where.partition && each.offset === where.offset)
        assert.equal(record?.payload, `v${index}`, `send ${index} was told partition ${where.partition}, offset ${where.offset}`)
      }

      for (let partition = 0; partition < 6; partition++) {
        const order = read.filter((each) => each.partition === partition).map((each) => Number(each.payload.slice(1)))
        assert.deepEqual(order, [...order].sort((a, b) => a - b), `partition ${partition} out of order`)
      }
    })

    it('keeps the order of a batch within a partition', async () => {
      const topic = await newTopic(2)
      const values = Array.from({length: 200}, (_, index) => `v${index}`)
      await publisher.sendBatch(
        topic,
        values.map((value, index) => ({key: `key-${index % 5}`, value})),
      )
      const read = await kcatRecords(topic)
      assert.equal(read.length, 200)
      for (const partition of [0, 1]) {
        const inPartition = read.filter((each) => each.partition === partition).map((each) => Number(each.payload.slice(1)))
        assert.deepEqual(inPartition, [...inPartition].sort((a, b) => a - b), `partition ${partition} out of order`)
      }
    })

    it('refuses only the record too large for its topic with RecordTooLargeError, not those sent beside it', async () => {
      const topic = uniqueTopic('contract-small')
      await admin.createTopics([{name: topic, partitions: 1, replicationFactor: 1, configs: {'max.message.bytes': '20000'}}])
      await publisher.send(topic, {value: 'first'})
      // Sent together while the first is in flight, they share one request.
      const sends = [
        publisher.send(topic, {value: 'in flight'}),
        ...['a', 'b', 'c'].map((value) => publisher.send(topic, {value})),
        publisher.send(topic, {value: 'x'.repeat(50_000)}),
        publisher.send(topic, {value: 'd'}),
      ]
      const settled = await Promise.allSettled(sends)
      assert.deepEqual(settled.map((each) => each.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
      assert.ok((settled[4] as PromiseRejectedResult).reason instanceof RecordTooLargeError)
      const read = await kcatRecords(topic)
      assert.deepEqual(read.map((each) => each.payload).sort(), ['a', 'b', 'c', 'd', 'first', 'in flight'])
    })

    it('writes the next record of a partition whose last record Kafka wrote in a request it refused in part', async () => {
      const topic = await newTopic()
      const compacted = uniqueTopic('contract-compacted')
      await admin.createTopics([{name: compacted, partitions: 1, replicationFactor: 1, configs: {'cleanup.policy': 'compact'}}])
      await publisher.send(compacted, {key: 'k', value: 'known'})
      const first = publisher.send(topic, {value: 'first'}, {partition: 0})
      // Sent together while the first is in flight, they share one request: Kafka writes the
      // first of them and refuses the second (a compacted topic takes no record without a key).
      const beside = publisher.send(topic, {value: 'beside a refused record'}, {partition: 0})
      const refused = publisher.send(compacted, {value: 'no key'}, {partition: 0})
      await first
      await assert.rejects(refused)
      await beside.catch(() => {})
      const next = await publisher.send(topic, {value: 'next'}, {partition: 0})
      const read = await kcatRecords(topic)
      assert.equal(read.find((each) => each.offset === next.offset)?.payload, 'next', JSON.stringify(read.map((each) => [each.offset, each.payload])))
    })

    it("reads the min.insync.replicas in force: the topic's own, else the brokers' (1 on the test broker)", async () => {
      const own = uniqueTopic('contract-insync')
      await admin.createTopics([{name: own, partitions: 1, replicationFactor: 1, configs: {'min.insync.replicas': '2'}}])
      const plain = await newTopic()
      const found = await admin.minInsyncReplicas([own, plain])
      assert.equal(found.get(own), 2)
      assert.equal(found.get(plain), 1)
    })

    it('refuses a topic that does not exist with TopicNotFoundError, naming it', async () => {
      const missing = uniqueTopic('contract-missing')
      await assert.rejects(publisher.assertTopicExists(missing), (error: unknown) => error instanceof TopicNotFoundError && error.message.includes(missing))
    })

    it('finds a topic that existed when it opened, one created since, and refuses one that never did', async () => {
      const before = await newTopic()
      const fresh = await adapter.openPublisher(testConnection())
      try {
        const since = await newTopic()
        await fresh.assertTopicExists(since)
        await fresh.assertTopicExists(before)
        await assert.rejects(fresh.assertTopicExists(uniqueTopic('contract-missing')), TopicNotFoundError)
        await fresh.send(since, {value: 'x'})
        assert.equal((await admin.topicOffsets(since))[0].high, 1)
      } finally {
        await fresh.close()
      }
    })

    it('fails to open with BrokerUnreachableError when nothing listens, within the connect timeout', async () => {
      const connection = {...testConnection(), brokers: [`127.0.0.1:${await closedPort()}`], connectTimeoutMs: 2000}
      await assert.rejects(adapter.openPublisher(connection), BrokerUnreachableError)
    })

    it('delivers records with number offsets and timestamps, Buffer keys and values and string headers', async () => {
      const topic = await newTopic()
      const before = Date.now()
      await publisher.send(topic, {key: 'k1', value: '{"a":1}', headers: {'kq-job': 'Hello'}})
      await publisher.send(topic, {value: 'plain'})
      const {records} = await collect(topic)
      await until(() => records.length === 2, 'two records')
      const [first, second] = records
      assert.equal(first.offset, 0)
      assert.equal(second.offset, 1)
      assert.equal(typeof first.timestamp, 'number')
      assert.ok(first.timestamp >= before - 1000 && first.timestamp <= Date.now() + 1000, 'timestamp is Unix milliseconds')
      assert.deepEqual(first.key, Buffer.from('k1'))
      assert.deepEqual(first.value, Buffer.from('{"a":1}'))
      assert.deepEqual(first.headers, {'kq-job': 'Hello'})
      assert.equal(second.key, null)
    })

    it('starts a new group at the earliest record or only at records written after it joined', async () => {
      const topic = await newTopic()
      await publisher.send(topic, {value: 'old'})
      const earliest = await collect(topic, {start: 'earliest'})
      const latest = await collect(topic, {start: 'latest'})
      await until(() => earliest.records.length === 1, 'the old record')
      // A group starting at the latest record finds its start at its first fetch: write until it
      // sees one, and it must never have seen the old one.
      for (let sent = 0; latest.records.length === 0; sent++) {
        if (sent === 100) assert.fail('the latest group never got a new record')
        await publisher.send(topic, {value: 'new'})
        await new Promise((resolve) => setTimeout(resolve, 200))
      }

      assert.deepEqual(new Set(latest.records.map((each) => String(each.value))), new Set(['new']))
      assert.equal(String(earliest.records[0].value), 'old')
    })

    it('commits only what it is given, with metadata, and a new member of the group starts there', async () => {
      const topic = await newTopic()
      const group = uniqueTopic('contract-group')
      for (const value of ['a', 'b', 'c']) await publisher.send(topic, {value})
      const first = await collect(topic, {group})
      await until(() => first.records.length === 3, 'three records')
      await first.subscriber.commit([{topic, partition: 0, offset: 2, metadata: 'kq1:test'}])
      assert.deepEqual(await admin.committedOffsetsWithMetadata(group, topic), [{partition: 0, offset: 2, metadata: 'kq1:test'}])
      await first.subscriber.stop()
      const second = await collect(topic, {group})
      await until(() => second.records.length === 1, 'the uncommitted record')
      assert.deepEqual(
        second.records.map((each) => each.offset),
        [2],
      )
    })

    it('describes a member with the process it published on joining, and a member that published none without', async () => {
      const topic = await newTopic()
      const group = uniqueTopic('contract-group')
      const first = await collect(topic, {group, process: {host: 'worker-host-1', pid: 4242, name: 'w1'}})
      assert.deepEqual((await admin.describeGroup(group)).members.map((member) => member.process), [{host: 'worker-host-1', pid: 4242, name: 'w1'}])
      await first.subscriber.stop()
      await collect(topic, {group})
      assert.deepEqual((await admin.describeGroup(group)).members.map((member) => member.process), [undefined])
    })

    it('finds offsets by time: the first record at or after it, the end offset past the last', async () => {
      const topic = await newTopic()
      await publisher.send(topic, {value: 'before'})
      await new Promise((resolve) => setTimeout(resolve, 20))
      const between = Date.now()
      await new Promise((resolve) => setTimeout(resolve, 20))
      await publisher.send(topic, {value: 'after'})
      const reader = await adapter.openTopicReader(testConnection())
      try {
        assert.deepEqual(await reader.offsetsAtTime(topic, 0), [{partition: 0, offset: 0}])
        assert.deepEqual(await reader.offsetsAtTime(topic, between), [{partition: 0, offset: 1}])
        assert.deepEqual(await reader.offsetsAtTime(topic, Date.now() + 60_000), [{partition: 0, offset: 2}])
      } finally {
        await reader.close()
      }
    })

    it('fetches nothing of a paused partition until it is resumed, and then what was not taken', async () => {
      const topic = await newTopic()
      await publisher.send(topic, {value: '0'})
      const taken: number[] = []
      let subscriber!: Subscriber
      // Takes one record of the first fetch and pauses: the rest must come again after resume.
      ;({subscriber} = await collect(topic, {
        sink: {
          take(fetched) {
            taken.push(fetched.records[0].offset)
            if (taken.length === 1) subscriber.pause([{topic, partition: 0}])
            return 1
          },
        },
      }))
      await until(() => taken.length === 1, 'the first record')
      await publisher.send(topic, {value: '1'})
      await publisher.send(topic, {value: '2'})
      await new Promise((resolve) => setTimeout(resolve, 1000))
      assert.deepEqual(taken, [0], 'nothing fetched while paused')
      subscriber.resume([{topic, partition: 0}])
      await until(() => taken.length === 3, 'the rest after resume')
      assert.deepEqual(taken, [0, 1, 2])
    })

    it('offers a partition\'s records only once the sink is ready for that partition', async () => {
      const topic = await newTopic()
      await publisher.send(topic, {value: '0'})
      const offered: number[] = []
      let becomeReady!: () => void
      const readyNow = new Promise<void>((resolve) => {
        becomeReady = resolve
      })
      let asked = 0
      await collect(topic, {
        sink: {
          ready(readyTopic, partition) {
            assert.deepEqual([readyTopic, partition], [topic, 0])
            asked++
            return readyNow
          },
          take(fetched) {
            offered.push(...fetched.records.map((record) => record.offset))
            return fetched.records.length
          },
        },
      })
      await until(() => asked > 0, 'the sink to be asked')
      await new Promise((resolve) => setTimeout(resolve, 500))
      assert.deepEqual(offered, [], 'nothing offered before ready')
      becomeReady()
      await until(() => offered.length === 1, 'the record once ready')
      assert.deepEqual(offered, [0])
    })

    it('does not fetch again while the sink asks for room', async () => {
      const topic = await newTopic()
      await publisher.send(topic, {value: '0'})
      let room: (() => void) | undefined
      const waitForRoom = new Promise<void>((resolve) => {
        room = resolve
      })
      const takes: number[] = []
      await collect(topic, {
        sink: {
          take(fetched) {
            takes.push(...fetched.records.map((each) => each.offset))
            return fetched.records.length
          },
          room: () => (takes.length === 1 ? waitForRoom : undefined),
        },
      })
      await until(() => takes.length === 1, 'the first record')
      await publisher.send(topic, {value: '1'})
      await new Promise((resolve) => setTimeout(resolve, 1000))
      assert.deepEqual(takes, [0], 'no fetch while waiting for room')
      room!()
      await until(() => takes.length === 2, 'the next record once there is room')
    })
  })
}
