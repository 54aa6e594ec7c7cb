import {type CommittedOffset, type PartitionOffsets} from '../kafka/index.js'
import {decodeHandledRanges} from './cursor.js'

/**
 * The consumer group whose committed offsets mark how far the dead letters of the workers'
 * group have been dealt with (looked at, replayed or dropped by the `dlt:*` commands): the
 * workers' group name plus `-dlt`.
 */
export function deadLetterCursorGroup(workersGroup: string): string {
  return `${workersGroup}-dlt`
}

/** One partition of a dead-letter topic, and how many of its records nobody has dealt with. */
export interface DeadLetterBacklog {
  partition: number
  /** First offset still stored. */
  start: number
  /** Offset the next dead letter will get. */
  end: number
  /** The cursor group's committed offset; null when it has none. */
  cursor: number | null
  /**
   * Records from the cursor (or the start, when there is none or it fell behind retention) to
   * the end, less those handled beyond the cursor.
   */
  pending: number
}

/**
 * Pending dead letters per partition: every stored record at or after the cursor, less those
 * handled beyond it (a replay of a selection), which the commit's metadata lists. A partition
 * the cursor has never been committed on counts all its stored records: none was dealt with.
 * Counted from offsets, without reading records: in the topics kq writes, every offset is a record.
 */
export function deadLetterBacklog(offsets: PartitionOffsets[], committed: CommittedOffset[]): DeadLetterBacklog[] {
  const cursors = new Map(committed.filter((each) => each.offset >= 0).map((each) => [each.partition, each]))
  return offsets.map(({partition, low, high}) => {
    const commit = cursors.get(partition)
    const from = Math.max(low, commit?.offset ?? low)
    const handledBeyond = decodeHandledRanges(commit?.metadata).reduce(
      (sum, range) => sum + Math.max(0, Math.min(range.to + 1, high) - Math.max(range.from, from)),
      0,
    )
    return {partition, start: low, end: high, cursor: commit?.offset ?? null, pending: Math.max(0, high - from - handledBeyond)}
  })
}
