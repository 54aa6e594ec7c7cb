import {type KafkaConnectionConfig} from '../config/index.js'
import {TopicNotFoundError} from '../errors.js'
import {
  type AclAdmin,
  type KafkaAdapter,
  type Publisher,
  type PublisherOptions,
  type Subscriber,
  type SubscriberOptions,
  type TopicAdmin,
  type TopicReader,
} from './types.js'

export type * from './types.js'
export {probeBrokers} from './reachability.js'

/**
 * The client behind the port, loaded on first use: commands that never talk to Kafka
 * (`--version`, `--help`, `make:job`) never load it.
 */
async function adapter(): Promise<KafkaAdapter> {
  const {kafkajsAdapter} = await import('./kafkajs/index.js')
  return kafkajsAdapter
}

/** Opens an admin connection, or fails within the connect timeout with a message naming the brokers. */
export async function openTopicAdmin(connection: KafkaConnectionConfig): Promise<TopicAdmin> {
  return (await adapter()).openTopicAdmin(connection)
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

/** Opens the idempotent, acks=all producer that dispatches jobs. */
export async function openPublisher(connection: KafkaConnectionConfig, options?: PublisherOptions): Promise<Publisher> {
  return (await adapter()).openPublisher(connection, options)
}

/** Joins a consumer group on the given topics. */
export async function openSubscriber(connection: KafkaConnectionConfig, options: SubscriberOptions): Promise<Subscriber> {
  return (await adapter()).openSubscriber(connection, options)
}

/** Opens a reader of topics and group offsets (see TopicReader). */
export async function openTopicReader(connection: KafkaConnectionConfig): Promise<TopicReader> {
  return (await adapter()).openTopicReader(connection)
}

/** Runs `work` with a connection that reads and changes ACLs, closed afterwards. */
export async function withAclAdmin<T>(connection: KafkaConnectionConfig, work: (admin: AclAdmin) => Promise<T>): Promise<T> {
  const admin = await (await adapter()).openAclAdmin(connection)
  try {
    return await work(admin)
  } finally {
    await admin.close().catch(() => {})
  }
}

/**
 * Whether a topic exists, asked by listing: a broker with auto.create.topics.enable must never
 * make one with default settings because kq looked for it.
 */
export async function topicExists(reader: Pick<TopicReader, 'assertTopicExists'>, topic: string): Promise<boolean> {
  try {
    await reader.assertTopicExists(topic)
    return true
  } catch (error) {
    if (error instanceof TopicNotFoundError) return false
    throw error
  }
}
