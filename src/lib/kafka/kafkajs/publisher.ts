import kafkajs, {type Admin, type ITopicMetadata, type Message, type Producer} from 'kafkajs'

import {type KafkaConnectionConfig} from '../../config/index.js'
import {RecordTooLargeError, SendTimeoutError, TopicNotFoundError} from '../../errors.js'
import {type KafkaClient, connectWithin, createKafka} from './client.js'
import {type PartitionedMessages, sendEveryPartition} from './complete-send.js'
import {PartitionChoice} from './partition-choice.js'
import {startProducer} from './producer-start.js'
import {type RenewingProducer} from './renewing-producer.js'
import {SendDeadlines} from './send-deadlines.js'
import {type SendLane, SendLanes} from './send-lanes.js'
import {sendRetry} from './send-retry.js'
import {translateKafkaError} from './errors.js'
import {type OutgoingMessage, type PublishedRecord, type Publisher, type PublisherOptions, type SendOptions} from '../types.js'

function toKafkaMessage(message: OutgoingMessage): Message {
  return {key: message.key ?? null, value: message.value, headers: message.headers}
}

/** Waiting sends grouped by topic, for one request; most often one topic. */
function byTopic(batch: Waiting[]): PartitionedMessages[] {
  const {topic} = batch[0]
  if (batch.every((each) => each.topic === topic)) return [{topic, messages: batch.map((each) => each.message)}]
  const topics = [...new Set(batch.map((each) => each.topic))]
  return topics.map((name) => ({topic: name, messages: batch.filter((each) => each.topic === name).map((each) => each.message)}))
}

/** A send() waiting for the next request. */
interface Waiting {
  topic: string
  message: Message & {partition: number}
  resolve(record: PublishedRecord): void
  reject(error: unknown): void
}

/** A request holds at most this many waiting sends; more go in the next one. */
const MAX_COALESCED = 1000

class KafkaPublisher implements Publisher {
  private readonly knownTopics = new Set<string>()
  private readonly partitions = new PartitionChoice((topic) =>
    this.call(`reading the partitions of ${topic}`, async () => (await this.admin.fetchTopicMetadata({topics: [topic]})).topics[0].partitions),
  )
  private readonly lanes: SendLanes<Waiting>
  private topicList?: Promise<ITopicMetadata[]>
  private timedOut = false
  private readonly deadlines: SendDeadlines | undefined

  constructor(
    private readonly client: KafkaClient,
    firstProducer: Producer,
    newProducer: () => Producer,
    private readonly admin: Admin,
    private readonly brokers: string[],
    options: PublisherOptions,
    /** The cluster's topics, asked for while the producer was still connecting; undefined if that failed. */
    private topicsAtConnect?: Promise<ITopicMetadata[] | undefined>,
  ) {
    this.deadlines = options.sendTimeoutMs === undefined ? undefined : new SendDeadlines(options.sendTimeoutMs)
    this.lanes = new SendLanes(firstProducer, newProducer, options.lanes)
  }

  async assertTopicExists(topic: string): Promise<void> {
    if (this.knownTopics.has(topic)) return
    // The first checks read the list asked for at connect time: a topic missing from it is
    // looked up again below, as it may have been created since.
    if (this.topicsAtConnect !== undefined) {
      const listed = await this.topicsAtConnect
      this.topicsAtConnect = undefined
      if (listed !== undefined) this.learnTopics(listed)
      if (this.knownTopics.has(topic)) return
    }

    // One lookup for every dispatch waiting on it: a burst of first dispatches must not each
    // fetch the cluster's metadata. The request that lists the topics carries their partitions
    // too (kafkajs's listTopics drops them): kept, they spare the first send another round trip.
    this.topicList ??= this.call(`looking up topic ${topic}`, async () => (await this.admin.fetchTopicMetadata()).topics).finally(() => {
      this.topicList = undefined
    })
    this.learnTopics(await this.topicList)
    if (!this.knownTopics.has(topic)) throw new TopicNotFoundError(topic)
  }

  /** Keeps a topic list's names, and each topic's partitions for the next sends. */
  private learnTopics(topics: ITopicMetadata[]): void {
    for (const {name} of topics) this.knownTopics.add(name)
    this.partitions.learn(topics)
  }

  /**
   * Sends one message, sharing a request with every other send() of its lane (see SendLanes) made
   * while the lane's previous request was in flight. kafkajs's idempotent producer sends one
   * request at a time per broker, so one message per request would cap an application at one
   * dispatch per round trip; together, 1,000 concurrent dispatches cost a few requests. Alone,
   * a send leaves at once: no waiting to fill a batch. Each message's partition is chosen here
   * (PartitionChoice).
   */
  send(topic: string, message: OutgoingMessage, options: SendOptions = {}): Promise<PublishedRecord> {
    const kafkaMessage = toKafkaMessage(message)
    let partition: number | undefined
    try {
      // A topic whose partitions are known is sent to at once, without a wait for them.
      partition = options.partition ?? this.partitions.known(topic, kafkaMessage, options)
    } catch (error) {
      // A send fails by its promise, never by a throw, as when it was an async function.
      return Promise.reject(error)
    }

    if (partition === undefined) return this.partitions.choose(topic, kafkaMessage, options).then((chosen) => this.enqueue(topic, kafkaMessage, chosen))
    return this.enqueue(topic, kafkaMessage, partition)
  }

  private enqueue(topic: string, message: Message, partition: number): Promise<PublishedRecord> {
    const {lane, answered} = this.lanes.take(topic, partition)
    return new Promise((resolve, reject) => {
      lane.waiting.push({
        topic,
        message: {...message, partition},
        resolve(record) {
          answered()
          resolve(record)
        },
        reject(error) {
          answered()
          reject(error)
        },
      })
      if (!lane.flushing) void this.flush(lane)
    })
  }

  private async flush(lane: SendLane<Waiting>): Promise<void> {
    lane.flushing = true
    while (lane.waiting.length > 0) {
      const batch = lane.waiting.splice(0, MAX_COALESCED)
      const topicMessages = byTopic(batch)
      const topics = topicMessages.map(({topic}) => topic).join(', ')
      try {
        const records = await this.call(`sending to ${topics}`, () =>
          this.acknowledged(
            topics,
            lane.producer.run((producer) => sendEveryPartition(producer, topicMessages)),
          ),
        )
        // Within a partition, Kafka appends a request's messages in order from its base offset.
        const next = new Map(records.map((record) => [`${record.topicName}:${record.partition}`, Number(record.baseOffset ?? -1)]))
        for (const each of batch) {
          const key = `${each.topic}:${each.message.partition}`
          const offset = next.get(key) ?? -1
          next.set(key, offset + 1)
          each.resolve({topic: each.topic, partition: each.message.partition, offset})
        }
      } catch (error) {
        // Kafka refuses the whole request for one record over the size limit: each record is
        // sent again on its own, so that only that one fails (a dead letter then knows it is
        // its own size, not a neighbour's, that was refused).
        if (error instanceof RecordTooLargeError && batch.length > 1) await this.sendEachAlone(batch, lane.producer)
        else for (const each of batch) each.reject(error)
      }
    }

    lane.flushing = false
  }

  private async sendEachAlone(batch: Waiting[], producer: RenewingProducer<Producer>): Promise<void> {
    await Promise.all(
      batch.map(async (each) => {
        try {
          const [record] = await this.call(`sending to ${each.topic}`, () =>
            this.acknowledged(each.topic, producer.run((started) => started.send({acks: -1, topic: each.topic, messages: [each.message]}))),
          )
          each.resolve({topic: each.topic, partition: each.message.partition, offset: Number(record?.baseOffset ?? -1)})
        } catch (error) {
          each.reject(error)
        }
      }),
    )
  }

  async sendBatch(topic: string, messages: OutgoingMessage[], options: SendOptions = {}): Promise<void> {
    if (messages.length === 0) return
    // Each message's partition is chosen here, so that the reply shows whether every one of
    // them was written (see sendEveryPartition). The partition list is read once for the batch.
    const partitionOf = await this.partitions.forBatch(topic, options)
    const kafkaMessages = messages.map((message) => ({key: message.key, value: message.value, headers: message.headers, partition: partitionOf(message)}))
    await this.call(`sending ${messages.length} messages to ${topic}`, () =>
      // One request for every partition of it, on the first lane's producer.
      this.acknowledged(topic, this.lanes.first.producer.run((producer) => sendEveryPartition(producer, [{topic, messages: kafkaMessages}]))),
    )
  }

  /**
   * A send, bounded by sendTimeoutMs when set. A partition whose leader waits for replicas that
   * cannot come (a lost controller quorum keeps the in-sync set as it was) answers each try only
   * at Kafka's request timeout, and kafkajs tries again: minutes, for a command that should say
   * what is wrong.
   */
  private acknowledged<T>(topic: string, sending: Promise<T>): Promise<T> {
    const {deadlines} = this
    if (deadlines === undefined) return sending
    return deadlines.bound(sending, () => {
      this.timedOut = true
      return new SendTimeoutError(topic, deadlines.timeoutMs)
    })
  }

  async close(): Promise<void> {
    // After a send timed out, kafkajs would wait for its unanswered requests: they are dropped.
    if (this.timedOut) this.client.sockets.abort()
    this.deadlines?.close()
    await Promise.allSettled([this.lanes.disconnect(), this.admin.disconnect()])
  }

  private async call<T>(action: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request()
    } catch (error) {
      throw translateKafkaError(error, {brokers: this.brokers, action})
    }
  }
}

/**
 * Opens an idempotent producer (acks=all: a job counts as dispatched once every in-sync
 * replica has it) that never creates topics, plus a small admin for topic lookups.
 */
export async function openPublisher(connection: KafkaConnectionConfig, options: PublisherOptions = {}): Promise<Publisher> {
  const client = createKafka(connection)
  const {kafka} = client
  const newProducer = () =>
    kafka.producer({
      idempotent: true,
      allowAutoTopicCreation: false,
      createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
      // Bounded, unlike kafkajs's default for idempotent producers (retry forever): a broker
      // that stays down must end in an error the user sees, not a hang. Within the send
      // timeout, a send waits for Kafka to move a dead leader's partitions (see sendRetry).
      retry: sendRetry(options.sendTimeoutMs),
    })
  const admin = kafka.admin()
  // Every publisher's first send checks that its topic exists: its topics (or, not knowing them,
  // the topic list) are asked for as soon as the admin is connected, while the producer still
  // waits for its producer id. A topic missing from the answer is looked up again on its check.
  let topicsAtConnect: Promise<ITopicMetadata[] | undefined> | undefined
  let producer: Producer | undefined
  let abandoned = false
  await connectWithin(
    client,
    connection,
    async () => {
      const started = startProducer(newProducer, {
        brokers: connection.brokers,
        reachedAny: () => client.sockets.reachedAny(),
        // A last refusal is worth more to the user than connectWithin's "no answer".
        giveUpAt: Date.now() + connection.connectTimeoutMs - 1000,
        starting: (next) => {
          producer = next
        },
        abandoned: () => abandoned,
      })
      await Promise.all([
        started,
        admin.connect().then(() => {
          const topics = options.topics === undefined ? undefined : {topics: [...new Set(options.topics)]}
          topicsAtConnect = admin.fetchTopicMetadata(topics).then(
            ({topics}) => topics,
            () => undefined,
          )
        }),
      ])
    },
    async () => {
      abandoned = true
      await Promise.allSettled([producer?.disconnect(), admin.disconnect()])
    },
    'starting the producer (an idempotent producer needs WRITE on the topics, or IDEMPOTENT_WRITE on the cluster before Kafka 3.0)',
    options.signal,
  )
  return new KafkaPublisher(client, producer!, newProducer, admin, connection.brokers, options, topicsAtConnect)
}
