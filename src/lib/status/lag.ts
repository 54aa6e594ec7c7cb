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

/** The sum of the known lags; null when no partition has one, so that "unknown" never reads as 0. */
export function totalLag(partitions: PartitionLag[]): number | null {
  const known = partitions.filter((each) => each.lag !== null)
  return known.length === 0 ? null : known.reduce((sum, each) => sum + (each.lag as number), 0)
}
