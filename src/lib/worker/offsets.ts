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
  private readonly waiting: Array<() => void> = []

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
    const next = this.waiting.shift()
    if (next) next()
    else this.free++
  }

  /** Jobs running now. */
  get busy(): number {
    return this.size - this.free
  }
}
