import {type BulkResult, type DispatchReceipt} from '../dispatch/index.js'
import {formatDrain} from './durations.js'
import {stylesFor} from './styles.js'

export function renderReceipt(receipt: DispatchReceipt, now = Date.now()): string {
  const styles = stylesFor()
  return [
    `${styles.green('Dispatched')} ${receipt.job} ${styles.bold(receipt.id)}`,
    `  topic ${receipt.topic}, partition ${receipt.partition}, offset ${receipt.offset}`,
    ...(receipt.dueAt === undefined ? [] : [`  ${dueText(receipt.dueAt, now)}`]),
  ].join('\n')
}

export function renderBulkSummary(result: BulkResult, now = Date.now()): string {
  const styles = stylesFor()
  const rate = Math.round(result.count / Math.max(result.seconds, 1e-9))
  const count = result.count.toLocaleString('en-US')
  const due = result.dueAt === undefined ? '' : `, ${dueText(result.dueAt, now)}`
  return `${styles.green('Dispatched')} ${count} ${result.job} jobs to ${result.topic} in ${result.seconds.toFixed(2)}s (${rate.toLocaleString('en-US')} jobs/s)${due}`
}

/** `due 2026-12-01T09:00:00.000Z (in 1m30s)`: the exact time, and how far off it is for a reader. */
function dueText(dueAt: string, now: number): string {
  const seconds = (Date.parse(dueAt) - now) / 1000
  return `due ${dueAt} (${seconds > 0 ? `in ${formatDrain(seconds)}` : 'now'})`
}
