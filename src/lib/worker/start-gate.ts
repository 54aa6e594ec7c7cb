import {type PartitionLedger} from './ledger.js'

/**
 * The longest a later queue waits for an earlier queue's new partitions to be fetched once, from
 * when their progress has been read. A fetch comes back within a fraction of this; the bound is
 * for a partition whose records never come as counted (deleted meanwhile, or a read that failed).
 */
export const START_GATE_MS = 2000

/**
 * Strict priority from the first fetch of a join. Partitions come to a worker one by one: each
 * reads its last owner's progress, and each is fetched and offered on its own. Without a gate,
 * a `low` partition ready first would start its jobs before `high`'s first records arrive. So
 * each new partition with records waiting holds back the queues after its own until it has been
 * offered records once; a partition with none waiting holds back nothing.
 */
export class StartGate {
  private readonly unseen = new Set<PartitionLedger>()
  private timer?: NodeJS.Timeout
  /** Counts the joins that closed the gate: only the last one's bound runs. */
  private closings = 0

  constructor(
    /** Called when the bound passes: everything held back may start. */
    private readonly opened: () => void,
    private readonly boundMs = START_GATE_MS,
  ) {}

  /**
   * New partitions, each holding back later queues until it is seen, or until the bound has
   * passed since `loaded` settled: nothing is fetched from them before their progress is read,
   * which on a loaded machine may itself take a while.
   */
  close(ledgers: PartitionLedger[], loaded: Promise<unknown> = Promise.resolve()): void {
    if (ledgers.length === 0) return
    for (const ledger of ledgers) this.unseen.add(ledger)
    const closing = ++this.closings
    void loaded.finally(() => {
      // A later join's partitions have a bound of their own.
      if (closing !== this.closings || this.unseen.size === 0) return
      clearTimeout(this.timer)
      this.timer = setTimeout(() => {
        this.clear()
        this.opened()
      }, this.boundMs)
      this.timer.unref()
    })
  }

  /** The partition was offered records, has none waiting, or is gone: it holds nothing back. */
  seen(ledger: PartitionLedger): void {
    if (!this.unseen.delete(ledger) || this.unseen.size > 0) return
    clearTimeout(this.timer)
    this.timer = undefined
  }

  /** The last queue level whose jobs may start now (Infinity: all); held levels hold nothing back. */
  lastLevel(isHeld: (level: number) => boolean): number {
    let last = Number.POSITIVE_INFINITY
    for (const ledger of this.unseen) if (ledger.level < last && !isHeld(ledger.level)) last = ledger.level
    return last
  }

  clear(): void {
    this.unseen.clear()
    clearTimeout(this.timer)
    this.timer = undefined
  }
}
