import {type KqConfig} from '../config/index.js'
import {TopicNotFoundError} from '../errors.js'
import {type TopicAdmin, type TopicReader, openTopicReader} from '../kafka/index.js'
import {durabilityConfigs} from '../topics/durability.js'
import {assertReplicationFits} from '../topics/provision.js'
import {batchReaderGroup} from './groups.js'
import {BatchBook} from './records.js'

/**
 * Creates the batch topic unless it exists: KAFKA_PARTITIONS partitions (a batch's records
 * share one, by its id), kept as the brokers keep any topic (retention.ms: a batch must end
 * within it), replicated as KAFKA_REPLICATION_FACTOR says.
 */
export async function ensureBatchTopic(
  admin: TopicAdmin,
  config: Pick<KqConfig, 'batchTopic' | 'partitions' | 'replicationFactor' | 'minInsyncReplicas'>,
): Promise<void> {
  const existing = await admin.describeTopics([config.batchTopic])
  if (existing.has(config.batchTopic)) return
  await assertReplicationFits(admin, config.replicationFactor)
  await admin.createTopics([
    {
      name: config.batchTopic,
      partitions: config.partitions,
      replicationFactor: config.replicationFactor,
      configs: durabilityConfigs(config).configs,
    },
  ])
}

/**
 * Every batch on the batch topic as it is now, folded from its start. A topic that does not
 * exist yet (no batch was ever dispatched) holds none.
 */
export async function readBatches(config: Pick<KqConfig, 'kafka' | 'batchTopic' | 'consumerGroup'>): Promise<BatchBook> {
  const book = new BatchBook()
  const reader = await openTopicReader(config.kafka)
  try {
    if (!(await topicExists(reader, config.batchTopic))) return book
    const ranges = (await reader.topicOffsets(config.batchTopic))
      .filter(({low, high}) => high > low)
      .map(({partition, low, high}) => ({partition, from: low, to: high}))
    if (ranges.length > 0) await reader.read(config.batchTopic, ranges, batchReaderGroup(config.consumerGroup), (message) => book.applyMessage(message))
    return book
  } finally {
    await reader.close().catch(() => {})
  }
}

async function topicExists(reader: TopicReader, topic: string): Promise<boolean> {
  try {
    await reader.assertTopicExists(topic)
    return true
  } catch (error) {
    if (error instanceof TopicNotFoundError) return false
    throw error
  }
}
