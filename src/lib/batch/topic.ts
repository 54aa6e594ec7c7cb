import {type KafkaConnectionConfig, type KqConfig} from '../config/index.js'
import {type TopicAdmin, openTopicReader, topicExists} from '../kafka/index.js'
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
  return new BatchFollower(config.kafka, config.batchTopic, batchReaderGroup(config.consumerGroup)).refresh()
}

/**
 * The batch topic followed across reads: each refresh reads only the records written since the
 * last, so that `kq status --watch` pays for the whole topic once, then one offsets request a
 * refresh while nothing changes.
 */
export class BatchFollower {
  readonly book = new BatchBook()
  private readonly next = new Map<number, number>()

  constructor(
    private readonly connection: KafkaConnectionConfig,
    private readonly topic: string,
    private readonly readerGroup: string,
  ) {}

  async refresh(): Promise<BatchBook> {
    const reader = await openTopicReader(this.connection)
    try {
      if (this.next.size === 0 && !(await topicExists(reader, this.topic))) return this.book
      const ranges = (await reader.topicOffsets(this.topic))
        .map(({partition, low, high}) => ({partition, from: Math.max(low, this.next.get(partition) ?? low), to: high}))
        .filter(({from, to}) => to > from)
      if (ranges.length > 0) await reader.read(this.topic, ranges, this.readerGroup, (message) => this.book.applyMessage(message))
      for (const {partition, to} of ranges) this.next.set(partition, to)
      return this.book
    } finally {
      await reader.close().catch(() => {})
    }
  }
}
