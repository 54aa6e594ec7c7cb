/** A send being waited for, and what ends it when its time is up. */
interface Waiting {
  dueAt: number
  expire(): void
}

/**
 * Bounds each send by the same deadline, with one timer for all of them. A timer made and
 * cleared per send (and the race of promises around it) was a measurable share of an awaited
 * `Job.dispatch()`: the timer here is made once per deadline period, and a send only notes when
 * it started. While a send waits, the timer keeps the process alive, as a timer per send did;
 * when none waits, it does not.
 */
export class SendDeadlines {
  private readonly waiting = new Set<Waiting>()
  private timer?: NodeJS.Timeout

  constructor(
    readonly timeoutMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** `sending`, or `timedOut()`'s error once it has waited timeoutMs: whichever comes first. */
  bound<T>(sending: Promise<T>, timedOut: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Waiting = {dueAt: this.now() + this.timeoutMs, expire: () => reject(timedOut())}
      this.add(entry)
      sending.then(
        (value) => {
          this.remove(entry)
          resolve(value)
        },
        (error: unknown) => {
          this.remove(entry)
          reject(error)
        },
      )
    })
  }

  /** Stops the timer; sends still waiting are no longer bounded. */
  close(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.waiting.clear()
  }

  private add(entry: Waiting): void {
    this.waiting.add(entry)
    if (this.timer === undefined) this.timer = setTimeout(() => this.expireDue(), this.timeoutMs)
    else if (this.waiting.size === 1) this.timer.ref()
  }

  private remove(entry: Waiting): void {
    if (this.waiting.delete(entry) && this.waiting.size === 0) this.timer?.unref()
  }

  /** Ends every send past its deadline, and sets the timer for the next one still waiting. */
  private expireDue(): void {
    this.timer = undefined
    const now = this.now()
    let next = Number.POSITIVE_INFINITY
    for (const entry of this.waiting) {
      if (entry.dueAt <= now) {
        this.waiting.delete(entry)
        entry.expire()
      } else {
        next = Math.min(next, entry.dueAt)
      }
    }

    if (next !== Number.POSITIVE_INFINITY) this.timer = setTimeout(() => this.expireDue(), Math.max(1, Math.ceil(next - now)))
  }
}
