import {type IncomingMessage} from '../kafka/index.js'
import {Fifo} from './fifo.js'
import {type PartitionLedger} from './ledger.js'

/** A record taken from a partition and waiting for a slot. */
export interface Entry {
  record: IncomingMessage
  ledger: PartitionLedger
  /** The record's key as a lane name; null: no key, no order to keep. */
  lane: string | null
}

/**
 * Which waiting record runs next: the first runnable one of the earliest queue (strict
 * priority), where a record is runnable unless an earlier record of its key, on its partition,
 * is still waiting or running (one key, one job at a time, in offset order). Records without a
 * key run side by side. Pure bookkeeping: no timers, no I/O.
 */
export class Scheduler {
  private readonly levels: Array<Fifo<Entry>>
  /** Per partition and key: the records of a key behind the one that is runnable or running. */
  private readonly lanes = new Map<PartitionLedger, Map<string, Entry[]>>()
  /** Records added and not yet started, per partition and per level. */
  private readonly waitingBy = new Map<PartitionLedger, number>()
  private readonly waitingAt: number[]
  /** Levels whose records wait without starting: paused queues (kq pause). */
  private readonly held = new Set<number>()

  constructor(levels: number) {
    this.levels = Array.from({length: levels}, () => new Fifo<Entry>())
    this.waitingAt = Array.from({length: levels}, () => 0)
  }

  /** Records waiting for a slot, in all, held ones included. */
  get waiting(): number {
    return this.waitingAt.reduce((sum, each) => sum + each, 0)
  }

  /**
   * Records waiting at this level and the ones before it: those that would run first. Held
   * levels run nothing, so their records never count as holding up a later queue.
   */
  waitingUpTo(level: number): number {
    let sum = 0
    for (let each = 0; each <= level; each++) if (!this.held.has(each)) sum += this.waitingAt[each]
    return sum
  }

  /** Stops or goes on starting the records of one level (a paused queue); they keep their place. */
  hold(level: number, held: boolean): void {
    if (held) this.held.add(level)
    else this.held.delete(level)
  }

  waitingOn(ledger: PartitionLedger): number {
    return this.waitingBy.get(ledger) ?? 0
  }

  add(entry: Entry): void {
    this.count(entry.ledger, 1)
    if (entry.lane !== null) {
      let lanes = this.lanes.get(entry.ledger)
      if (!lanes) {
        lanes = new Map()
        this.lanes.set(entry.ledger, lanes)
      }

      const behind = lanes.get(entry.lane)
      if (behind) {
        behind.push(entry)
        return
      }

      lanes.set(entry.lane, [])
    }

    this.levels[entry.ledger.level].push(entry)
  }

  isHeld(level: number): boolean {
    return this.held.has(level)
  }

  /**
   * The next record to start, up to level `lastLevel`, or undefined when none is runnable;
   * revoked partitions' are dropped.
   */
  next(lastLevel = Number.POSITIVE_INFINITY): Entry | undefined {
    for (const [index, level] of this.levels.entries()) {
      if (index > lastLevel) break
      if (this.held.has(index)) continue
      for (let entry = level.shift(); entry !== undefined; entry = level.shift()) {
        this.count(entry.ledger, -1)
        if (!entry.ledger.dropped) return entry
      }
    }

    return undefined
  }

  /** A started record is finished: the next record of its key, if any, becomes runnable. */
  done(entry: Entry): void {
    if (entry.lane === null) return
    const lanes = this.lanes.get(entry.ledger)
    const behind = lanes?.get(entry.lane)
    if (!lanes || !behind) return
    const next = behind.shift()
    if (next === undefined) {
      lanes.delete(entry.lane)
      if (lanes.size === 0) this.lanes.delete(entry.ledger)
      return
    }

    this.levels[next.ledger.level].push(next)
  }

  /** Forgets a partition's waiting records (revoked, or the worker is stopping); running ones are left. */
  drop(ledger: PartitionLedger): void {
    this.lanes.delete(ledger)
    this.waitingAt[ledger.level] -= this.waitingOn(ledger)
    this.waitingBy.delete(ledger)
    ledger.dropped = true
  }

  private count(ledger: PartitionLedger, change: number): void {
    // A dropped partition's records were uncounted at once; those still queued are skipped.
    if (ledger.dropped) return
    this.waitingBy.set(ledger, (this.waitingBy.get(ledger) ?? 0) + change)
    this.waitingAt[ledger.level] += change
  }
}
