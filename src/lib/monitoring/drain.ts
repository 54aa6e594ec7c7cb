/** The group's committed offsets on one topic at one moment: the raw material of a rate. */
export interface CommitSample {
  /** Milliseconds since the epoch. */
  at: number
  /** Committed offset by partition; partitions without one are absent. */
  offsets: ReadonlyMap<number, number>
}

/**
 * Jobs per second the group took from a topic between two samples: the growth of its committed
 * offsets over the time between. Partitions that have no committed offset in both samples, or
 * whose offset went back (reset by hand), are left out. Null when nothing can be compared.
 */
export function commitRate(before: CommitSample | undefined, after: CommitSample): number | null {
  if (before === undefined) return null
  const seconds = (after.at - before.at) / 1000
  if (seconds <= 0) return null
  let committed = 0
  let compared = 0
  for (const [partition, offset] of after.offsets) {
    const earlier = before.offsets.get(partition)
    if (earlier === undefined || offset < earlier) continue
    committed += offset - earlier
    compared++
  }

  return compared === 0 ? null : committed / seconds
}

/**
 * Seconds until the jobs waiting now have been taken, if the group goes on at `rate`: the wait
 * of a job dispatched now. 0 when nothing waits; null when the lag or the rate is unknown, or
 * the rate is 0 (at that pace the backlog never drains).
 */
export function drainSeconds(lag: number | null, rate: number | null): number | null {
  if (lag === null) return null
  if (lag === 0) return 0
  if (rate === null || rate <= 0) return null
  return lag / rate
}
