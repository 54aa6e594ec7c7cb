import {ConfigError, ExitCode, GroupHasMembersError, KqError} from '../errors.js'
import {type TopicAdmin} from '../kafka/index.js'
import {type TopicPlanRow, type TopicRole, type TopicSettings, planTopics} from './plan.js'
import {type TopicSpec} from '../kafka/index.js'

/** Existing topics whose settings differ from those asked for. Carries the rows for --json. */
export class TopicMismatchError extends KqError {
  override name = 'TopicMismatchError'

  constructor(readonly topics: TopicPlanRow[]) {
    const mismatched = topics.filter((row) => row.status === 'mismatch')
    const first = mismatched[0]
    const more = mismatched.length > 1 ? ` (and ${mismatched.length - 1} more topic(s))` : ''
    super(
      `topic ${first.name} already exists with other settings (${first.differences.join('; ')})${more}: ` +
        `set KAFKA_PARTITIONS=${first.partitions} and KAFKA_REPLICATION_FACTOR=${first.replicationFactor} to match it, ` +
        'or delete the topic and run topic:create again (partitions can be added later, never removed)',
      ExitCode.KafkaRefused,
    )
    this.details = {topics}
  }
}

/**
 * Creates the missing topics among `wanted` and reports every one of them. Kafka's settings are
 * never changed: a topic that exists with other settings is reported as a mismatch, because
 * changing partitions moves keys to other partitions and that is the user's decision.
 */
export async function provisionTopics(
  admin: TopicAdmin,
  wanted: Array<TopicSpec & {role: TopicRole}>,
): Promise<TopicPlanRow[]> {
  await assertReplicationFits(admin, Math.max(...wanted.map((spec) => spec.replicationFactor)))
  const existing = await admin.describeTopics(wanted.map((spec) => spec.name))
  const rows = planTopics(wanted, existing)
  await admin.createTopics(rows.filter((row) => row.status === 'created'))
  // Read back rather than assumed: an existing topic, or one left to the brokers' default, has
  // whatever the cluster says.
  const minInsync = await admin.minInsyncReplicas(rows.map((row) => row.name))
  return rows.map((row) => ({...row, minInsyncReplicas: minInsync.get(row.name) ?? null}))
}

/**
 * Makes the workers' group start at the beginning of the queue and delay topics just created,
 * so that a job dispatched before the first worker ever ran, or delayed before a worker first
 * read the delay topics, is worked, as a Laravel user expects; while a new group on an old topic
 * still starts at its end (Kafka's default) instead of replaying its history. Returns the topics
 * done; a group with running workers is left alone (and the topics reported as skipped).
 */
export async function startGroupOnNewQueues(
  admin: TopicAdmin,
  group: string,
  rows: TopicPlanRow[],
): Promise<{started: string[]; skipped: string[]}> {
  const topics = rows.filter((row) => row.status === 'created' && (row.role === 'queue' || row.role.startsWith('delay '))).map((row) => row.name)
  try {
    await admin.startGroupAtBeginning(group, topics)
    return {started: topics, skipped: []}
  } catch (error) {
    // Only a group in use is a report; any other failure is the command's error.
    if (error instanceof GroupHasMembersError) return {started: [], skipped: topics}
    throw error
  }
}

/** Refuses a replication factor above the cluster's broker count, saying what to set instead. */
export async function assertReplicationFits(admin: TopicAdmin, replicationFactor: TopicSettings['replicationFactor']) {
  const {brokers} = await admin.cluster()
  if (replicationFactor > brokers.length) {
    throw new ConfigError(
      `replication factor ${replicationFactor} is more than the ${brokers.length} broker(s) in the cluster: ` +
        `set KAFKA_REPLICATION_FACTOR (or --replication-factor) to at most ${brokers.length}`,
    )
  }
}
