import {type StopReason} from './events.js'
import {type WorkerOptions} from './options.js'

export interface StopConditionsDeps {
  options: Pick<WorkerOptions, 'maxJobs' | 'memory' | 'maxTime' | 'stopWhenEmpty'>
  stop(reason: StopReason): void
  /** True once the worker is stopping, for whatever reason. */
  stopping(): boolean
  /** Runs an action after a delay, on a timer the worker clears when it stops. */
  after(ms: number, action: () => void | Promise<void>): void
  /** True when nothing runs or waits here and every assigned partition is worked out. */
  drained(): Promise<boolean>
}

/**
 * When a worker stops on its own, as Laravel's `queue:work` limits: --max-jobs, --memory after a
 * job, --max-time, and --stop-when-empty. The worker's lifecycle only asks it after each job and
 * once at start.
 */
export class StopConditions {
  /** Set while Kafka is being asked whether the queues are empty: one question at a time. */
  private asking = false
  /** Set when the worker ran out of work during a question: its answer may predate that. */
  private askAgain = false

  constructor(private readonly deps: StopConditionsDeps) {}

  /** At start: the time limit, and the watch for an empty queue. */
  start(): void {
    const {maxTime, stopWhenEmpty} = this.deps.options
    if (maxTime !== undefined) this.deps.after(maxTime * 1000, () => this.deps.stop('max-time'))
    if (stopWhenEmpty) this.pollForEmpty()
  }

  /** After each job: `ran` jobs so far. */
  afterJob(ran: number): void {
    const {maxJobs, memory} = this.deps.options
    if (maxJobs !== undefined && ran >= maxJobs) this.deps.stop('max-jobs')
    if (memory !== undefined && process.memoryUsage.rss() > memory * 1024 * 1024) this.deps.stop('memory')
  }

  /**
   * The worker ran out of work (see Engine's outOfWork): with --stop-when-empty, Kafka is asked
   * at once whether the queues are empty, rather than at the next poll.
   */
  outOfWork(): void {
    if (!this.deps.options.stopWhenEmpty || this.deps.stopping()) return
    if (this.asking) this.askAgain = true
    else void this.stopIfEmpty()
  }

  /**
   * Also checks ten times a second: a queue may be worked out without this worker running out
   * of work (another member took its last records), or Kafka did not answer the last question.
   */
  private pollForEmpty(): void {
    this.deps.after(100, async () => {
      if (this.deps.stopping()) return
      if (!this.asking) await this.stopIfEmpty()
      if (!this.deps.stopping()) this.pollForEmpty()
    })
  }

  private async stopIfEmpty(): Promise<void> {
    this.asking = true
    try {
      do {
        this.askAgain = false
        if (await this.deps.drained()) {
          this.deps.stop('empty')
          return
        }
      } while (this.askAgain && !this.deps.stopping())
    } catch {
      // Not knowing is not empty: the next poll asks again.
    } finally {
      this.asking = false
    }
  }
}
