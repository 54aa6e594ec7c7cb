import {type TopicPartition} from '../kafka/index.js'
import {queueAlerts} from './alerts.js'
import {type CommitSample, commitRate, drainSeconds} from './drain.js'
import {partitionLags, totalLag, unworkedRecords} from './lag.js'
import {durabilityWarning} from '../topics/durability.js'
import {type QueueReading, type StatusReading} from './read.js'
import {type QueueStatus, type StatusSnapshot, type Thresholds} from './types.js'

export interface SnapshotContext {
  thresholds: Thresholds
  deadLetterGroup: string
  /** The previous commit sample of each queue topic, by topic: where each rate window starts. */
  previous: ReadonlyMap<string, CommitSample>
  /** KAFKA_MIN_INSYNC_REPLICAS, if set: what the topics' min.insync.replicas is judged against. */
  minInsyncReplicas?: number
}

/** The group's committed offsets on a queue's topic in a reading, as a rate sample. */
export function commitSample(at: number, committed: Array<{partition: number; offset: number}>): CommitSample {
  return {at, offsets: new Map(committed.filter((each) => each.offset >= 0).map((each) => [each.partition, each.offset]))}
}

/**
 * Turns one reading into what `kq status` shows: lag per partition and per queue, rates and
 * drain estimates against the previous samples, and alerts. Pure, so every rule is testable
 * without a broker. Returns the new samples too, for the next window.
 */
export function buildSnapshot(reading: StatusReading, context: SnapshotContext): {snapshot: StatusSnapshot; samples: Map<string, CommitSample>} {
  const samples = new Map<string, CommitSample>()
  const windows: number[] = []
  const queues = reading.queues.map((queue) => {
    const sample = commitSample(reading.at, queue.queue.committed)
    samples.set(queue.topics.topic, sample)
    const before = context.previous.get(queue.topics.topic)
    if (before) windows.push((sample.at - before.at) / 1000)
    const status = queueStatus(queue, reading.group.members.map((member) => member.assignment), commitRate(before, sample), context)
    const paused = reading.paused?.get(queue.topics.topic)
    return {...status, paused: paused ? {at: paused.at, by: paused.by} : null}
  })
  const snapshot: StatusSnapshot = {
    time: new Date(reading.at).toISOString(),
    group: {id: reading.group.groupId, state: reading.group.state, members: reading.group.members},
    deadLetterGroup: context.deadLetterGroup,
    rateWindowSeconds: windows.length === 0 ? null : Math.max(...windows),
    thresholds: context.thresholds,
    queues,
    alert: queues.some((queue) => queue.alerts.length > 0),
  }
  return {snapshot, samples}
}

function queueStatus(reading: QueueReading, assignments: TopicPartition[][], rate: number | null, context: SnapshotContext): Omit<QueueStatus, 'paused'> {
  const {topics} = reading
  const queuePartitions = partitionLags(topics.topic, reading.queue.offsets, reading.queue.committed)
  const retryPartitions = reading.retry ? partitionLags(topics.retryTopic, reading.retry.offsets, reading.retry.committed) : []
  const lag = totalLag(queuePartitions)
  const pendingDeadLetters = reading.deadLetters ? reading.deadLetters.reduce((sum, each) => sum + each.pending, 0) : null
  const delayed = reading.delays.length === 0 ? null : reading.delays.reduce((sum, each) => sum + unworkedRecords(each.offsets, each.committed), 0)
  const ours = new Set([topics.topic, topics.retryTopic, ...topics.delayTopics])
  return {
    ...topics,
    lag,
    retryLag: totalLag(retryPartitions),
    delayed,
    pendingDeadLetters,
    undescribable: reading.undescribable ?? [],
    workers: assignments.filter((assignment) => assignment.some((each) => ours.has(each.topic))).length,
    rate,
    drainSeconds: drainSeconds(lag, rate),
    alerts: queueAlerts({lag, pendingDeadLetters}, context.thresholds),
    partitions: [...queuePartitions, ...retryPartitions],
    deadLetters: reading.deadLetters ?? [],
    warnings: [
      ...(reading.durability ?? []).flatMap((topic) => durabilityWarning(topic, context.minInsyncReplicas) ?? []),
      ...(reading.leaderless ?? []).map(leaderlessWarning),
    ],
  }
}

/** Partitions whose every replica is down: their jobs wait, and nobody can count them. */
function leaderlessWarning({topic, partitions}: {topic: string; partitions: number[]}): string {
  const which = partitions.length === 1 ? `partition ${partitions[0]}` : `partitions ${partitions.join(', ')}`
  return `${topic} ${which} ${partitions.length === 1 ? 'has' : 'have'} no leader (every broker holding a replica is down): ${partitions.length === 1 ? 'its' : 'their'} jobs wait until one is back, and are not counted here`
}
