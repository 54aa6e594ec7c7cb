import {type BulkResult, type DispatchReceipt} from '../dispatch/index.js'
import {stylesFor} from './styles.js'

export function renderReceipt(receipt: DispatchReceipt): string {
  const styles = stylesFor()
  return [
    `${styles.green('Dispatched')} ${receipt.job} ${styles.bold(receipt.id)}`,
    `  topic ${receipt.topic}, partition ${receipt.partition}, offset ${receipt.offset}`,
  ].join('\n')
}

export function renderBulkSummary(result: BulkResult): string {
  const styles = stylesFor()
  const rate = Math.round(result.count / Math.max(result.seconds, 1e-9))
  const count = result.count.toLocaleString('en-US')
  return `${styles.green('Dispatched')} ${count} ${result.job} jobs to ${result.topic} in ${result.seconds.toFixed(2)}s (${rate.toLocaleString('en-US')} jobs/s)`
}
