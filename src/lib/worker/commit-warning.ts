import {errorMessage} from '../errors.js'

/** How long commits may fail before the worker says that it holds new jobs. */
const COMMIT_WARNING_MS = 3000

/**
 * The warning a worker gives when its commits keep failing. A commit refused during a rebalance
 * works again within a join: the warning comes only when failing lasts, and never once stopping.
 */
export class CommitWarning {
  private timer?: NodeJS.Timeout

  constructor(
    private readonly warn: (message: string) => void,
    private readonly stopping: () => boolean,
  ) {}

  /** Commits started failing (with why), or work again. */
  update(failing: boolean, error?: unknown): void {
    clearTimeout(this.timer)
    if (!failing) return
    this.timer = setTimeout(() => {
      if (this.stopping()) return
      this.warn(`could not commit finished jobs for ${COMMIT_WARNING_MS / 1000}s (${errorMessage(error)}): no new job starts until Kafka takes commits again`)
    }, COMMIT_WARNING_MS)
    this.timer.unref()
  }
}
