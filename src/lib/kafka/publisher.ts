import kafkajs, {type Admin, type Message, type Producer} from 'kafkajs'

import {type KafkaConnectionConfig} from '../config/index.js'
import {TopicNotFoundError} from '../errors.js'
import {connectWithin, createKafka} from './client.js'
import {translateKafkaError} from './errors.js'
import {type OutgoingMessage, type PublishedRecord, type Publisher} from './types.js'

function toKafkaMessage(message: OutgoingMessage): Message {
  return {key: message.key ?? null, value: message.value, headers: message.headers}
}

class KafkaPublisher implements Publisher {
  private readonly knownTopics = new Set<string>()

  constructor(
    private readonly producer: Producer,
    private readonly admin: Admin,
    private readonly brokers: string[],
  ) {}

  async assertTopicExists(topic: string): Promise<void> {
    if (this.knownTopics.has(topic)) return
    const topics = await this.call(`looking up topic ${topic}`, () => this.admin.listTopics())
    for (const name of topics) this.knownTopics.add(name)
    if (!this.knownTopics.has(topic)) throw new TopicNotFoundError(topic)
  }

  async send(topic: string, message: OutgoingMessage): Promise<PublishedRecord> {
    const [record] = await this.call(`sending to ${topic}`, () =>
      this.producer.send({topic, acks: -1, messages: [toKafkaMessage(message)]}),
    )
    return {topic, partition: record.partition, offset: record.baseOffset ?? '-1'}
  }

  async sendBatch(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return
    await this.call(`sending ${messages.length} messages to ${topic}`, () =>
      this.producer.send({topic, acks: -1, messages: messages.map(toKafkaMessage)}),
    )
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()])
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
export async function openPublisher(connection: KafkaConnectionConfig): Promise<Publisher> {
  const kafka = createKafka(connection)
  const producer = kafka.producer({
    idempotent: true,
    allowAutoTopicCreation: false,
    createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
    // Bounded, unlike kafkajs's default for idempotent producers (retry forever): a broker
    // that stays down must end in an error the user sees, not a hang.
    retry: {retries: 8, initialRetryTime: 250, maxRetryTime: 3000},
  })
  const admin = kafka.admin()
  await connectWithin(
    connection,
    async () => {
      await Promise.all([producer.connect(), admin.connect()])
    },
    async () => {
      await Promise.allSettled([producer.disconnect(), admin.disconnect()])
    },
  )
  return new KafkaPublisher(producer, admin, connection.brokers)
}
