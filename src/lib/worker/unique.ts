import {REPLAY_HEADERS} from '../dead-letter/letters.js'
import {type UniqueMark, uniqueMarkOf} from '../envelope/unique.js'

/** How long a unique id is held when its job says not (`uniqueFor`), and how long an ended one is remembered. */
export const DEFAULT_UNIQUE_MS = 3600_000

interface Lock {
  /** The job that holds the id. */
  jobId: string
  /** When it was dispatched (Unix ms): the lock starts there. */
  from: number
  /** When it ended (done or dead-lettered); Infinity while it is pending or retried. */
  ended: number
  /** How long the lock lasts at most, from `from`. */
  lastsMs: number
  /** The job ran to its end here (done or dead-lettered), rather than let its id go as it started. */
  ran: boolean
}

/** How a record came, beyond its job id and dispatch time. */
export interface Arrival {
  /** Put back by kq dlt:replay (it carries kq-replayed-from). @defaultValue false */
  replayed?: boolean
  /** The envelope's attempt. @defaultValue 1 */
  attempt?: number
}

/**
 * The unique ids a worker has seen, per queue partition: a unique job's id is its message key,
 * so its duplicates come to the same partition, in order, and to the worker that holds it. A
 * later job with an id already held is a duplicate when it was dispatched while that lock held:
 * before the first job ended, and within its `uniqueFor`. Kept in memory only (see README
 * "Unique jobs" for what that leaves out). Pure bookkeeping: the clock is passed in.
 */
export class UniqueLocks {
  private readonly byPartition = new Map<string, Map<string, Lock>>()
  private claimsSincePrune = 0

  /**
   * The claim of a record's job on its unique id, on its queue partition (a queue's topics share
   * partition numbers by key: a retry's partition is its first's), with the call that ends it.
   * Undefined for a job that is not unique.
   */
  claimRecord(
    record: {headers: Record<string, string>; partition: number},
    job: {id: string; dispatchedAt: string; attempt: number},
    queueTopic: string,
  ): {mark: UniqueMark; claim: 'run' | 'duplicate'; end(): void; release(): void} | undefined {
    const mark = uniqueMarkOf(record.headers)
    if (mark === undefined) return undefined
    const partition = `${queueTopic}:${record.partition}`
    const replayed = record.headers[REPLAY_HEADERS.replayedFrom] !== undefined
    const claim = this.claim(partition, mark, job.id, Date.parse(job.dispatchedAt), Date.now(), {replayed, attempt: job.attempt})
    return {
      mark,
      claim,
      end: () => this.ended(partition, mark, job.id, Date.now()),
      release: () => this.ended(partition, mark, job.id, Date.now(), false),
    }
  }

  /**
   * `run` (the job now holds its id), or `duplicate` (another job held it when this one was
   * dispatched). A `replayed` job (kq dlt:replay) always runs: someone asked for it again, after
   * its first run ended, and its dispatch time is that of its first dispatch, earlier than any
   * job that holds its id now. It holds the id from now, as a job dispatched now would.
   * A first attempt of the very job that ran to its end here is a copy of it, not a retry, and
   * is a duplicate too: a batch's end job dispatched twice, or a record read again after its
   * offset failed to commit.
   */
  claim(partition: string, mark: UniqueMark, jobId: string, dispatchedAt: number, now: number, arrival: Arrival = {}): 'run' | 'duplicate' {
    const {replayed = false, attempt = 1} = arrival
    if (++this.claimsSincePrune >= 1000) this.prune(now)
    let locks = this.byPartition.get(partition)
    if (locks === undefined) {
      locks = new Map()
      this.byPartition.set(partition, locks)
    }

    const held = locks.get(mark.id)
    if (!replayed && held !== undefined && held.jobId !== jobId && dispatchedAt < endOf(held)) return 'duplicate'
    if (!replayed && held?.jobId === jobId && held.ran && attempt === 1) return 'duplicate'
    // A retry of the job that holds the id keeps its lock from its first dispatch.
    const from = replayed ? now : held?.jobId === jobId ? held.from : dispatchedAt
    locks.set(mark.id, {jobId, from, ended: Number.POSITIVE_INFINITY, lastsMs: mark.seconds === undefined ? DEFAULT_UNIQUE_MS : mark.seconds * 1000, ran: false})
    return 'run'
  }

  /**
   * The job that holds its id finished (done or dead-lettered; `ran` false: it let its id go as
   * it started, uniqueUntilProcessing): jobs dispatched from now on run.
   */
  ended(partition: string, mark: UniqueMark, jobId: string, now: number, ran = true): void {
    const held = this.byPartition.get(partition)?.get(mark.id)
    if (held?.jobId !== jobId) return
    held.ended = Math.min(held.ended, now)
    held.ran ||= ran
  }

  /** Ids held, in all. */
  get size(): number {
    let count = 0
    for (const locks of this.byPartition.values()) count += locks.size
    return count
  }

  /** Forgets locks that ended over an hour ago: a duplicate that late runs again. */
  prune(now: number): void {
    this.claimsSincePrune = 0
    for (const [partition, locks] of this.byPartition) {
      for (const [id, lock] of locks) if (endOf(lock) + DEFAULT_UNIQUE_MS < now) locks.delete(id)
      if (locks.size === 0) this.byPartition.delete(partition)
    }
  }
}

function endOf(lock: Lock): number {
  return Math.min(lock.ended, lock.from + lock.lastsMs)
}
