import {strict as assert} from 'node:assert'
import {setTimeout as sleep} from 'node:timers/promises'

import {type Admin, type Kafka} from 'kafkajs'

import {openAdmin} from '../../../../src/lib/kafka/kafkajs/client.js'
import {withOffsetLookup} from '../../../../src/lib/kafka/kafkajs/offset-lookup.js'
import {openTopicReader} from '../../../../src/lib/kafka/kafkajs/reader.js'
import {uniqueTopic} from '../../../support/cli.js'
import {testConnection} from '../../../support/topics.js'

describe('offsets of many topics through kafkajs', function () {
  this.timeout(60_000)
  let kafka: Kafka
  let admin: Admin

  before(async () => {
    ;({kafka, admin} = await openAdmin(testConnection()))
  })

  after(async () => {
    await admin?.disconnect()
  })

  async function newTopic(partitions: number, records: Array<{partition: number; count: number}> = []): Promise<string> {
    const topic = uniqueTopic('lookup')
    await admin.createTopics({topics: [{topic, numPartitions: partitions}], waitForLeaders: true})
    const producer = kafka.producer()
    await producer.connect()
    try {
      for (const {partition, count} of records) {
        await producer.send({topic, messages: Array.from({length: count}, () => ({partition, value: 'x'}))})
      }
    } finally {
      await producer.disconnect()
    }

    return topic
  }

  /**
   * Deletes a topic and waits until requests about it fail. A broker stops listing a deleted topic
   * a moment before it stops serving the topic's partitions: an offsets request sent in between
   * still gets an answer. So a probe that knows the old leader asks it until it refuses.
   */
  async function deleteTopic(topic: string): Promise<void> {
    const probe = kafka.admin({retry: {retries: 0}})
    await probe.connect()
    try {
      await probe.fetchTopicOffsets(topic)
      await admin.deleteTopics({topics: [topic]})
      while ((await admin.listTopics()).includes(topic)) await sleep(100)
      while (await probe.fetchTopicOffsets(topic).then(() => true, () => false)) await sleep(100)
    } finally {
      await probe.disconnect()
    }
  }

  it('gives the start offset past records deleted from the front of a partition', async () => {
    const topic = await newTopic(2, [
      {partition: 0, count: 3},
      {partition: 1, count: 1},
    ])
    // kafkajs looks for the partition's leader before it loads the topic's metadata: load it first.
    await admin.fetchTopicOffsets(topic)
    await admin.deleteTopicRecords({topic, partitions: [{partition: 0, offset: '2'}]})
    const offsets = await withOffsetLookup(kafka, [topic], (lookup) => lookup.endOffsets())
    assert.deepEqual(offsets.get(topic), [
      {partition: 0, low: 2, high: 3},
      {partition: 1, low: 0, high: 1},
    ])
  })

  it('leaves out a topic deleted between reading its metadata and its offsets, and gets the others right', async () => {
    const kept = await newTopic(2, [{partition: 1, count: 2}])
    const deleted = await newTopic(1, [{partition: 0, count: 1}])
    let attempts = 0
    const offsets = await withOffsetLookup(kafka, [deleted, kept], async (lookup) => {
      attempts++
      if (attempts === 1) {
        assert.deepEqual([...lookup.partitions.keys()], [deleted, kept], 'both existed when the lookup began')
        await deleteTopic(deleted)
      }

      return lookup.endOffsets()
    })
    assert.equal(attempts, 2, 'the offsets were asked again without the deleted topic')
    assert.deepEqual(
      [...offsets],
      [
        [
          kept,
          [
            {partition: 0, low: 0, high: 0},
            {partition: 1, low: 0, high: 2},
          ],
        ],
      ],
    )
  })

  it('leaves out a topic deleted before the lookup began, with no second attempt', async () => {
    const kept = await newTopic(1, [{partition: 0, count: 4}])
    const deleted = await newTopic(1)
    await deleteTopic(deleted)
    let attempts = 0
    const offsets = await withOffsetLookup(kafka, [kept, deleted], async (lookup) => {
      attempts++
      return lookup.endOffsets()
    })
    assert.equal(attempts, 1)
    assert.deepEqual([...offsets], [[kept, [{partition: 0, low: 0, high: 4}]]])
  })

  it('reads the offsets of many topics by time at once, as kq job:show does, though kafkajs loses some from its metadata', async () => {
    // Each topic's first look-up refreshes kafkajs's metadata; with several brokers the answers
    // overlap, and one that knew fewer topics can land last (kafkajs then failed with a TypeError).
    const topics = await Promise.all(Array.from({length: 30}, () => newTopic(2, [{partition: 1, count: 1}])))
    const reader = await openTopicReader(testConnection())
    try {
      const offsets = await Promise.all(topics.map((topic) => reader.offsetsAtTime(topic, 0)))
      for (const each of offsets) assert.deepEqual(each, [{partition: 0, offset: 0}, {partition: 1, offset: 0}])
    } finally {
      await reader.close()
    }
  })
})
