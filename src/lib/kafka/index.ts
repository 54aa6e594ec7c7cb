import {type KafkaConnectionConfig} from '../config/index.js'
import {type Publisher, type Subscriber, type SubscriberOptions, type TopicAdmin} from './types.js'

export type * from './types.js'

/**
 * Opens an admin connection, or fails within the connect timeout with a message naming the
 * brokers. The implementation (and kafkajs with it) is loaded on first use.
 */
export async function openTopicAdmin(connection: KafkaConnectionConfig): Promise<TopicAdmin> {
  const {openTopicAdmin: open} = await import('./topic-admin.js')
  return open(connection)
}

/** Runs `work` with an admin connection that is closed afterwards, whatever happens. */
export async function withTopicAdmin<T>(
  connection: KafkaConnectionConfig,
  work: (admin: TopicAdmin) => Promise<T>,
): Promise<T> {
  const admin = await openTopicAdmin(connection)
  try {
    return await work(admin)
  } finally {
    await admin.close().catch(() => {})
  }
}

/** Opens the idempotent, acks=all producer that dispatches jobs; kafkajs loads on first use. */
export async function openPublisher(connection: KafkaConnectionConfig): Promise<Publisher> {
  const {openPublisher: open} = await import('./publisher.js')
  return open(connection)
}

/** Joins a consumer group on the given topics; kafkajs loads on first use. */
export async function openSubscriber(connection: KafkaConnectionConfig, options: SubscriberOptions): Promise<Subscriber> {
  const {openSubscriber: open} = await import('./subscriber.js')
  return open(connection, options)
}

/** Opens a reader of topics and group offsets (see TopicReader); kafkajs loads on first use. */
export async function openTopicReader(connection: KafkaConnectionConfig): Promise<import('./types.js').TopicReader> {
  const {openTopicReader: open} = await import('./reader.js')
  return open(connection)
}
