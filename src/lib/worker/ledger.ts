/**
 * One partition's bookkeeping: the records taken from it, which of them are finished, and the
 * watermark, the offset below which every taken record is finished. Jobs finish out of order;
 * only the watermark may be committed, or a crash would skip the unfinished ones (Confluent's
 * Parallel Consumer commits the same way).
 */
export class PartitionLedger {
  /** Taken offsets not yet below the watermark, ascending, from `head`. */
  private offsets: number[] = []
  private finished: boolean[] = []
  private head = 0
  /** How many of the finished are above the watermark: none, most of the time, when jobs end in order. */
  private finishedAboveCount = 0
  /** The offset after the last record taken: records before it that come again are skipped. */
  nextFetch?: number
  /** The partition's end as its last fetch saw it: records up to it are on their way. */
  fetchedEnd?: number
  /** Every taken record below this offset is finished: the offset to commit; unset until one is. */
  watermark?: number
  /** The watermark as last committed. */
  committed?: number
  /** Bumped whenever a record finishes above the watermark: the commit's metadata changes. */
  private aboveVersion = 0
  /** aboveVersion as last committed. */
  private committedAboveVersion = 0
  /** Set when the group gave the partition to another member: nothing of it is committed again. */
  revoked = false
  /**
   * Offsets above the committed watermark that an earlier owner finished (from the commit's
   * metadata): taken and finished at once when they come, not run again.
   */
  finishedBefore = new Set<number>()
  /** Set while finishedBefore is being read: nothing is taken from the partition meanwhile. */
  loading?: Promise<void>
  /** Set while fetching is paused until a delay rung's next record is due. */
  resumeTimer?: NodeJS.Timeout

  /** Its records' waiting ones were forgotten (revoked, or the worker is stopping). */
  dropped = false

  constructor(
    readonly topic: string,
    readonly partition: number,
    /** Its queue's place in the worker's list: jobs of level 0 run before those of level 1. */
    readonly level: number,
  ) {}

  /** Records taken and not finished (waiting, held, running or being moved). */
  get open(): number {
    return this.offsets.length - this.head - this.finishedAboveCount
  }

  /** True once every taken record is finished. */
  get settled(): boolean {
    return this.head === this.offsets.length
  }

  /** True when a record at `offset` was taken before (it came again after a rebalance). */
  wasTaken(offset: number): boolean {
    return this.nextFetch !== undefined && offset < this.nextFetch
  }

  take(offset: number): void {
    this.offsets.push(offset)
    this.finished.push(false)
    this.nextFetch = offset + 1
  }

  /**
   * Marks a taken record finished; true when what a commit would say changed: the watermark
   * moved, or one more offset above it is finished (the commit's metadata lists those, so that
   * a stop or crash does not run them again).
   */
  finish(offset: number): boolean {
    const index = this.indexOf(offset)
    if (index === undefined || this.finished[index]) return false
    this.finished[index] = true
    if (index !== this.head) {
      this.finishedAboveCount++
      this.aboveVersion++
      return this.watermark !== undefined
    }

    this.head++
    while (this.head < this.offsets.length && this.finished[this.head]) {
      this.head++
      this.finishedAboveCount--
    }

    this.watermark = this.offsets[this.head - 1] + 1

    this.compact()
    return true
  }

  /** Finished offsets above the watermark, ascending: done, but not yet committable. */
  finishedAbove(): number[] {
    const done: number[] = []
    // Committed after every job that moves the watermark: a scan of the whole buffer each time
    // cost more than the jobs themselves.
    for (let index = this.head; done.length < this.finishedAboveCount && index < this.offsets.length; index++) {
      if (this.finished[index]) done.push(this.offsets[index])
    }

    return done
  }

  /** True when the watermark, or what finished above it, changed since the last commit. */
  get uncommitted(): boolean {
    return this.watermark !== undefined && (this.watermark !== this.committed || this.aboveVersion !== this.committedAboveVersion)
  }

  /** What a commit of this partition would say now, and the mark to record once it is made. */
  commitState(): {watermark: number; finishedAbove: number[]; version: number} | undefined {
    if (this.watermark === undefined) return undefined
    return {watermark: this.watermark, finishedAbove: this.finishedAbove(), version: this.aboveVersion}
  }

  /** Records a commit made from commitState(): later changes still count as uncommitted. */
  markCommitted(state: {watermark: number; version: number}): void {
    this.committed = state.watermark
    this.committedAboveVersion = state.version
  }

  private indexOf(offset: number): number | undefined {
    let low = this.head
    let high = this.offsets.length - 1
    while (low <= high) {
      const middle = (low + high) >>> 1
      const found = this.offsets[middle]
      if (found === offset) return middle
      if (found < offset) low = middle + 1
      else high = middle - 1
    }

    return undefined
  }

  // Dropping the finished prefix now and then keeps the arrays as long as what is open.
  private compact(): void {
    if (this.head < 1024 || this.head * 2 < this.offsets.length) return
    this.offsets = this.offsets.slice(this.head)
    this.finished = this.finished.slice(this.head)
    this.head = 0
  }
}
