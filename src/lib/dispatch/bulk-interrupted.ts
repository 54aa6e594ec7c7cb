import {ExitCode, type ExitCodeValue, KqError} from '../errors.js'

/** How far a bulk dispatch got when a batch failed, by the source's line numbers. */
export interface BulkStop {
  /** Lines whose batches Kafka acknowledged: sent for certain. */
  sent: {jobs: number; lastLine: number | null}
  /** The failed batch's lines: Kafka may have written some of its partitions before the failure. */
  uncertain: {jobs: number; firstLine: number; lastLine: number}
  /** Lines never handed to Kafka. */
  unsent: {jobs: number; firstLine: number | null}
  source: string
  job: string
}

/**
 * A bulk dispatch that stopped part way. Batches go one at a time and each is acknowledged
 * before the next leaves, so what was sent is a clean prefix of the file, then the one batch
 * in doubt, then lines never sent; the message says which is which and how to send the rest.
 */
export class BulkDispatchInterruptedError extends KqError {
  override name = 'BulkDispatchInterruptedError'

  constructor(
    readonly stop: BulkStop,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    const exitCode: ExitCodeValue = cause instanceof KqError ? cause.exitCode : ExitCode.Failure
    super(`${reason}; ${describeBulkStop(stop)}`, exitCode, {cause})
    this.details = {
      sent: stop.sent.jobs,
      lastSentLine: stop.sent.lastLine,
      uncertainLines: [stop.uncertain.firstLine, stop.uncertain.lastLine],
      unsent: stop.unsent.jobs,
    }
  }
}

/** One clause: what was sent, what may have been, and the command line that sends the rest. */
export function describeBulkStop(stop: BulkStop): string {
  const {sent, uncertain, unsent} = stop
  const sentPart = sent.lastLine === null ? 'no line was sent' : `lines 1-${sent.lastLine} were sent (${sent.jobs} jobs)`
  const uncertainPart = `lines ${uncertain.firstLine}-${uncertain.lastLine} (${uncertain.jobs} jobs) may have been sent in part`
  const unsentPart = unsent.firstLine === null ? '' : `, lines ${unsent.firstLine} onward (${unsent.jobs} jobs) were not`
  const input = stop.source === '-' ? 'the same input' : stop.source
  return (
    `${sentPart}, ${uncertainPart}${unsentPart}: ` +
    `send the rest with \`tail -n +${uncertain.firstLine} ${input} | kq dispatch ${stop.job} --ndjson -\` and the same options ` +
    `(jobs of lines ${uncertain.firstLine}-${uncertain.lastLine} may then run twice)`
  )
}
