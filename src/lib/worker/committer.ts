import {type PartitionPosition} from '../kafka/index.js'
import {type PartitionLedger} from './ledger.js'

/** Kafka's default offset.metadata.max.bytes: a longer commit metadata string is refused. */
const MAX_METADATA_CHARS = 4000

/**
 * Commits watermarks continuously: one commit in flight at a time, each carrying the latest
 * watermark of every partition that moved, so a crash re-runs about what was in flight and no
 * more. Beside each watermark goes the list of offsets above it already finished (see
 * `encodeFinished`), so that a worker taking the partition over skips them too.
 */
export interface CommitterOptions {
  /**
   * Told when commits start failing (true) and when one succeeds again (false): the worker
   * stops starting jobs meanwhile, since a job it cannot commit runs again later anyway.
   */
  failing?(failing: boolean, error?: unknown): void
  /** The wait before a failed commit is tried again. */
  retryMs?: number
  /**
   * How long a commit may go unanswered before it counts as failing. With the broker gone,
   * kafkajs retries a commit for 10 s or more before it gives up, and jobs started meanwhile
   * could not be committed either.
   */
  stallMs?: number
}

export class Committer {
  private inFlight?: Promise<void>
  private again = false
  private failing = false
  private retryTimer?: NodeJS.Timeout

  constructor(
    private readonly ledgers: () => Iterable<PartitionLedger>,
    private readonly send: (positions: PartitionPosition[]) => Promise<void>,
    private readonly options: CommitterOptions = {},
  ) {}

  /** Asks for a commit: now if none is under way, else right after it. */
  request(): void {
    if (this.inFlight) {
      this.again = true
      return
    }

    clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    const stallMs = this.options.stallMs ?? 1000
    const stalled = setTimeout(() => {
      this.setFailing(true, new Error(`Kafka has not answered a commit for ${stallMs / 1000}s`))
    }, stallMs)
    stalled.unref()
    this.inFlight = this.commitOnce()
      .then(
        () => this.setFailing(false),
        (error: unknown) => {
          // Tried again on its own: with jobs held while commits fail, no finished job would ask.
          this.setFailing(true, error)
          this.retryTimer = setTimeout(() => this.request(), this.options.retryMs ?? 500)
          this.retryTimer.unref()
        },
      )
      .finally(() => {
        clearTimeout(stalled)
        this.inFlight = undefined
        if (this.again) {
          this.again = false
          this.request()
        }
      })
  }

  /** No more retries of a failed commit (the worker is stopping; flush commits what it can). */
  stop(): void {
    clearTimeout(this.retryTimer)
    this.retryTimer = undefined
  }

  private setFailing(failing: boolean, error?: unknown): void {
    if (failing === this.failing) return
    this.failing = failing
    this.options.failing?.(failing, error)
  }

  /** Waits for the commit under way, then commits whatever moved since; throws when that fails. */
  async flush(): Promise<void> {
    await this.inFlight
    this.again = false
    await this.commitOnce()
  }

  private async commitOnce(): Promise<void> {
    const made: Array<{ledger: PartitionLedger; state: {watermark: number; version: number}}> = []
    const positions: PartitionPosition[] = []
    for (const ledger of this.ledgers()) {
      if (ledger.revoked || !ledger.uncommitted) continue
      const state = ledger.commitState()
      if (state === undefined) continue
      made.push({ledger, state})
      positions.push({
        topic: ledger.topic,
        partition: ledger.partition,
        offset: state.watermark,
        metadata: encodeFinished(state.watermark, state.finishedAbove),
      })
    }

    if (positions.length === 0) return
    await this.send(positions)
    for (const {ledger, state} of made) ledger.markCommitted(state)
  }
}

const PREFIX = 'kq1:'

/**
 * The offsets above a watermark that are already finished, as commit metadata: `kq1:` and their
 * distances from the watermark in base 36, comma-separated. What does not fit is left out: those
 * jobs run again after a crash, as they would without it.
 */
export function encodeFinished(watermark: number, finished: number[]): string | undefined {
  if (finished.length === 0) return undefined
  let text = PREFIX
  for (const offset of finished) {
    const part = (offset - watermark).toString(36)
    if (text.length + part.length + 1 > MAX_METADATA_CHARS) break
    text += (text.length > PREFIX.length ? ',' : '') + part
  }

  return text
}

/** The finished offsets a commit's metadata lists (see encodeFinished); none for anything else. */
export function decodeFinished(watermark: number, metadata: string | null | undefined): Set<number> {
  const finished = new Set<number>()
  if (!metadata?.startsWith(PREFIX)) return finished
  for (const part of metadata.slice(PREFIX.length).split(',')) {
    const distance = Number.parseInt(part, 36)
    if (Number.isSafeInteger(distance) && distance > 0) finished.add(watermark + distance)
  }

  return finished
}
