import {type KafkaConnectionConfig, type KqConfig} from '../config/index.js'
import {type IncomingMessage, type TopicAdmin, type TopicReader, openTopicReader, topicExists} from '../kafka/index.js'
import {type ControlRecord, ControlState} from './records.js'
import {durabilityConfigs} from '../topics/durability.js'
import {assertReplicationFits} from '../topics/provision.js'

/**
 * How often a worker looks for new control records. A poll is one offsets request; only a new
 * record costs a read (a short-lived reader group).
 */
export const CONTROL_POLL_MS = 2000

/**
 * How long a request may take to reach every worker: a poll, then the read, whose reader group
 * waits up to the brokers' group.initial.rebalance.delay.ms (3 s by default) to be joined.
 */
export const CONTROL_DELAY_SECONDS = CONTROL_POLL_MS / 1000 + 3

/**
 * Creates the control topic unless it exists: one partition, so that every record has one order
 * and "newer than a worker's start" is an offset compare (no clocks); compacted, so that it keeps
 * one record per key however often it is written; replicated as KAFKA_REPLICATION_FACTOR says.
 */
export async function ensureControlTopic(
  admin: TopicAdmin,
  config: Pick<KqConfig, 'controlTopic' | 'replicationFactor' | 'minInsyncReplicas'>,
): Promise<void> {
  const existing = await admin.describeTopics([config.controlTopic])
  if (existing.has(config.controlTopic)) return
  await assertReplicationFits(admin, config.replicationFactor)
  await admin.createTopics([
    {
      name: config.controlTopic,
      partitions: 1,
      replicationFactor: config.replicationFactor,
      configs: {'cleanup.policy': 'compact', ...durabilityConfigs(config).configs},
    },
  ])
}

/**
 * Reads the control topic from `from` to its end as it is now, handing each record to `each` in
 * order, and returns that end: the next call goes on from it. A topic that does not exist yet
 * (no restart, pause or continue was ever asked) reads as empty; it is looked for by listing, so
 * that a broker with auto.create.topics.enable never makes it with the wrong settings.
 */
export async function readControl(
  reader: TopicReader,
  topic: string,
  from: number,
  groupPrefix: string,
  each: (message: IncomingMessage) => void,
): Promise<number> {
  if (from === 0 && !(await topicExists(reader, topic))) return 0
  const end = (await reader.topicOffsets(topic)).find((offsets) => offsets.partition === 0)?.high ?? 0
  if (end > from) await reader.read(topic, [{partition: 0, from, to: end}], groupPrefix, each)
  return end
}

/** The queues paused now, by topic, with who paused them and when. */
export async function readPausedQueues(connection: KafkaConnectionConfig, topic: string, groupPrefix: string): Promise<Map<string, ControlRecord>> {
  const reader = await openTopicReader(connection)
  try {
    const state = new ControlState()
    await readControl(reader, topic, 0, groupPrefix, (message) => state.apply(message))
    return state.paused
  } finally {
    await reader.close().catch(() => {})
  }
}
