/**
 * Which records of a batch are done, in offset order. Jobs of different keys finish out of
 * order; the committed offset may only pass a record when it and every record before it are
 * done, or a crash would skip the unfinished ones.
 */
export class BatchProgress {
  private readonly done: boolean[]
  private next = 0

  constructor(size: number) {
    this.done = Array.from({length: size}, () => false)
  }

  /**
   * Marks the record at `index` done. Returns the index of the last record of the completed
   * prefix when it grew (the one to resolve), else undefined.
   */
  finish(index: number): number | undefined {
    this.done[index] = true
    const before = this.next
    while (this.next < this.done.length && this.done[this.next]) this.next++
    return this.next > before ? this.next - 1 : undefined
  }

  /** True once every record of the batch is done. */
  get complete(): boolean {
    return this.next === this.done.length
  }
}

/** A counting semaphore: at most `size` jobs run at once, across every partition. */
export class Slots {
  private free: number
  // A queue as an array and a head index: shift() on a long array costs its length each time.
  private waiting: Array<() => void> = []
  private head = 0

  constructor(readonly size: number) {
    this.free = size
  }

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--
      return
    }

    await new Promise<void>((resolve) => {
      this.waiting.push(resolve)
    })
  }

  release(): void {
    if (this.head < this.waiting.length) {
      const next = this.waiting[this.head++]
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting = this.waiting.slice(this.head)
        this.head = 0
      }

      next()
    } else {
      this.free++
    }
  }

  /** Jobs running now. */
  get busy(): number {
    return this.size - this.free
  }
}
