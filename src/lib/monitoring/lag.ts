import {type PartitionOffsets} from '../kafka/index.js'
import {type PartitionLag} from './types.js'

/**
 * Lag as Kafka's own tooling (kafka-consumer-groups) computes it: log-end offset minus the
 * group's committed offset, per partition. A partition the group has never committed on has no
 * lag, not a guess: where the group would start there depends on its reset policy.
 */
export function partitionLags(topic: string, offsets: PartitionOffsets[], committed: Array<{partition: number; offset: number}>): PartitionLag[] {
  // Kafka answers -1 for a partition without a committed offset.
  const known = new Map(committed.filter((each) => each.offset >= 0).map((each) => [each.partition, each.offset]))
  return offsets
    .map(({partition, high}) => {
      const offset = known.get(partition)
      return offset === undefined
        ? {topic, partition, end: high, committed: null, lag: null}
        : {topic, partition, end: high, committed: offset, lag: high - offset}
    })
    .sort((a, b) => a.partition - b.partition)
}

/**
 * Records on a topic the group has not worked yet: end offset minus its committed offset, or
 * minus the start offset where it has committed none. Unlike lag, never unknown: every record
 * on a delay topic is a job waiting, whether or not a worker has read there yet.
 */
export function unworkedRecords(offsets: PartitionOffsets[], committed: Array<{partition: number; offset: number}>): number {
  const known = new Map(committed.filter((each) => each.offset >= 0).map((each) => [each.partition, each.offset]))
  // A commit behind the start offset (records removed by retention) counts from the start.
  return offsets.reduce((sum, {partition, low, high}) => sum + high - Math.max(low, known.get(partition) ?? low), 0)
}

/** The sum of the known lags; null when no partition has one, so that "unknown" never reads as 0. */
export function totalLag(partitions: PartitionLag[]): number | null {
  const known = partitions.filter((each) => each.lag !== null)
  return known.length === 0 ? null : known.reduce((sum, each) => sum + (each.lag as number), 0)
}
