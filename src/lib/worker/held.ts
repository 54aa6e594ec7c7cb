/**
 * Records due within a second, held in memory until their time, in due order, with one timer
 * for the earliest: a delayed job's last second, or a retry with a short backoff.
 */
export class Held<T> {
  private items: Array<{item: T; due: number}> = []
  private timer?: NodeJS.Timeout
  private timerDue = Number.POSITIVE_INFINITY

  constructor(private readonly onDue: (item: T) => void) {}

  get size(): number {
    return this.items.length
  }

  add(item: T, due: number): void {
    // Records mostly come in due order: search from the end.
    let index = this.items.length
    while (index > 0 && this.items[index - 1].due > due) index--
    this.items.splice(index, 0, {item, due})
    this.schedule()
  }

  clear(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.timerDue = Number.POSITIVE_INFINITY
    this.items = []
  }

  private schedule(): void {
    const first = this.items[0]
    if (first === undefined || first.due >= this.timerDue) return
    clearTimeout(this.timer)
    this.timerDue = first.due
    this.timer = setTimeout(() => this.release(), Math.max(0, first.due - Date.now()))
  }

  private release(): void {
    this.timer = undefined
    this.timerDue = Number.POSITIVE_INFINITY
    const now = Date.now()
    let count = 0
    while (count < this.items.length && this.items[count].due <= now) count++
    const due = this.items.splice(0, count)
    this.schedule()
    // Every due record is handed over, even past one whose hand-over threw: taken off the list,
    // one left behind would never run.
    let failure: unknown
    for (const {item} of due) {
      try {
        this.onDue(item)
      } catch (error) {
        failure ??= error
      }
    }

    if (failure !== undefined) throw failure
  }
}
