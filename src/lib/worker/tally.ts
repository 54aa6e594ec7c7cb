import {STOP_EXIT_CODES, type StopReason, type WorkerSummary} from './events.js'
import {type Handled} from './processor.js'

/** What a worker has done since it started, for its limits and its closing summary. */
export class Tally {
  private processed = 0
  private failed = 0
  private deadLettered = 0
  private skipped = 0
  private released = 0
  /** Attempts that ran, whatever their end: what --max-jobs counts. */
  ran = 0
  private startedAt = Date.now()

  start(): void {
    this.startedAt = Date.now()
  }

  add(handled: Handled): void {
    // Neither ran the job: a release runs it later, a duplicate never. Both are counted apart,
    // so that the summary adds up to the lines the worker printed.
    if (handled === 'skipped') this.skipped++
    if (handled === 'released') this.released++
    if (handled === 'interrupted' || handled === 'released' || handled === 'skipped') return
    // A poison record is dead-lettered without an attempt: not a job that ran, nor one that failed.
    if (handled === 'poisoned') {
      this.deadLettered++
      return
    }

    this.ran++
    if (handled === 'done') this.processed++
    else this.failed++
    if (handled === 'dead-lettered') this.deadLettered++
  }

  summary(reason: StopReason): WorkerSummary {
    return {
      processed: this.processed,
      failed: this.failed,
      deadLettered: this.deadLettered,
      skipped: this.skipped,
      released: this.released,
      seconds: (Date.now() - this.startedAt) / 1000,
      reason,
      exitCode: STOP_EXIT_CODES[reason],
    }
  }
}
