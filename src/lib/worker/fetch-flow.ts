import {type TopicPartition} from '../kafka/index.js'
import {type PartitionLedger} from './ledger.js'
import {type Scheduler} from './scheduler.js'

/**
 * How long a fetch waits for a full buffer to be half worked off before its partitions are
 * paused: long enough for fast jobs to make room, short enough that a new high-priority job is
 * fetched soon behind slow ones, and far below any heartbeat interval.
 */
const ROOM_WAIT_MS = 200

export interface FetchFlowDeps {
  /** Records taken but not started, in all, above which fetching pauses (see README: prefetch). */
  prefetch: number
  scheduler: Pick<Scheduler, 'waitingOn' | 'waitingUpTo'>
  pause(partitions: TopicPartition[]): void
  resume(partitions: TopicPartition[]): void
  /** True once the engine stops starting jobs: nothing is resumed then. */
  stopping(): boolean
}

/**
 * When the engine's partitions are fetched: backpressure on a full buffer, and the pause of a
 * delay rung until its first record is due. The engine says what it took; this says when to
 * fetch again.
 */
export class FetchFlow {
  /** Partitions whose records fill the buffer; paused only if room does not come soon (see room()). */
  private readonly full = new Set<PartitionLedger>()
  /** Those of them paused. */
  private readonly paused = new Set<PartitionLedger>()
  /** The fetch waiting for room, if one is: settled when none is full any more. */
  private roomWaiter?: {promise: Promise<void>; resolve(): void}

  constructor(private readonly deps: FetchFlowDeps) {}

  /**
   * After a run of a partition's records was taken. Full: what would run before its next record
   * fills the buffer. Counting only its own queue and earlier ones keeps a later queue's backlog
   * from pausing an earlier queue.
   */
  taken(ledger: PartitionLedger): void {
    const {scheduler, prefetch} = this.deps
    if (scheduler.waitingOn(ledger) > 0 && scheduler.waitingUpTo(ledger.level) >= prefetch) this.full.add(ledger)
  }

  /**
   * Before the next fetch, while the buffer is full: wait for it to be half worked off, up to
   * ROOM_WAIT_MS, and only then pause what is still full. Pausing at once would cost fast jobs
   * dearly: the next fetch would ask only for the other partitions, often empty, and the broker
   * holds such a fetch for its whole wait time while the buffer runs dry.
   */
  room(): Promise<void> | undefined {
    if (this.full.size === this.paused.size || this.deps.stopping()) return undefined
    if (!this.roomWaiter) {
      let resolve!: () => void
      const promise = new Promise<void>((settle) => {
        resolve = settle
      })
      const timer = setTimeout(() => this.pauseFull(), ROOM_WAIT_MS)
      this.roomWaiter = {
        promise,
        resolve() {
          clearTimeout(timer)
          resolve()
        },
      }
    }

    return this.roomWaiter.promise
  }

  /** A full partition is fetched again once what runs before its records is half the buffer. */
  resumeIfRoom(): void {
    if (this.full.size === 0 || this.deps.stopping()) return
    for (const ledger of this.full) {
      if (this.deps.scheduler.waitingUpTo(ledger.level) > this.deps.prefetch / 2) continue
      this.full.delete(ledger)
      if (this.paused.delete(ledger) && !ledger.resumeTimer) this.deps.resume([ledger])
    }

    if (this.full.size === this.paused.size) this.settleRoom()
  }

  /** A delay rung is fetched again when its first record is due. */
  pauseUntil(ledger: PartitionLedger, time: number): void {
    if (ledger.resumeTimer) return
    this.deps.pause([ledger])
    ledger.resumeTimer = setTimeout(() => {
      ledger.resumeTimer = undefined
      if (!this.paused.has(ledger) && !ledger.revoked && !this.deps.stopping()) this.deps.resume([ledger])
    }, time - Date.now())
  }

  /** A partition given away: nothing of it waits for room or time any more. */
  forget(ledger: PartitionLedger): void {
    clearTimeout(ledger.resumeTimer)
    this.full.delete(ledger)
    this.paused.delete(ledger)
  }

  /** A consumer restarted after a crash forgets its pauses: say this partition's again. */
  repeatPause(ledger: PartitionLedger): void {
    if (this.paused.has(ledger) || ledger.resumeTimer) this.deps.pause([ledger])
  }

  /** Stopping: no timer resumes anything, and a fetch waiting for room goes on. */
  stop(ledgers: Iterable<PartitionLedger>): void {
    for (const ledger of ledgers) clearTimeout(ledger.resumeTimer)
    this.settleRoom()
  }

  /** Pauses the full partitions not yet paused, and lets the waiting fetch go on. */
  private pauseFull(): void {
    const unpaused = [...this.full].filter((ledger) => !this.paused.has(ledger))
    for (const ledger of unpaused) this.paused.add(ledger)
    this.deps.pause(unpaused)
    this.settleRoom()
  }

  private settleRoom(): void {
    const waiter = this.roomWaiter
    this.roomWaiter = undefined
    waiter?.resolve()
  }
}
