import {type BatchSummary} from '../batch/index.js'
import {localTime} from './dead-letters.js'
import {stylesFor} from './styles.js'
import {renderTable} from './table.js'

const COLUMNS = ['ID', 'Name', 'Status', 'Total', 'Pending', 'Done', 'Failed', 'Created']

export function renderBatchList(batches: BatchSummary[]): string {
  if (batches.length === 0) return 'No batches.'
  return renderTable(
    COLUMNS,
    batches.map((batch) => [batch.id, batch.name ?? '', batch.status, batch.total ?? '?', batch.pending ?? '?', batch.done, batch.failed, batch.createdAt && localTime(batch.createdAt)]),
  )
}

export function renderBatch(batch: BatchSummary, styles = stylesFor()): string {
  const lines = [
    `${styles.bold('Batch')} ${batch.id}${batch.name === undefined ? '' : ` (${batch.name})`}: ${batch.status}`,
    `  total ${batch.total ?? '? (its created record is gone)'}, pending ${batch.pending ?? '?'}, done ${batch.done}, failed ${batch.failed}${batch.allowFailures ? ' (failures allowed)' : ''}`,
  ]
  if (batch.createdAt !== undefined) lines.push(`  created ${localTime(batch.createdAt)}`)
  const ends = Object.entries(batch.callbacks).filter(([, callback]) => callback !== undefined)
  if (ends.length > 0) lines.push(`  at its end: ${ends.map(([role, callback]) => `${role} ${callback!.job} on ${callback!.queue}`).join(', ')}`)
  if (batch.finished !== undefined) {
    lines.push(`  ended ${localTime(batch.finished.at)}, dispatched ${batch.finished.dispatched.join(', ') || 'nothing'} (completed by job ${batch.finished.by})`)
  }

  for (const failed of batch.failedJobs) lines.push(`  failed: ${failed.job} ${failed.id}`)
  return lines.join('\n')
}
