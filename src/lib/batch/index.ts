import {type KqConfig} from '../config/index.js'
import {isJobId} from '../envelope/index.js'
import {UsageError} from '../errors.js'
import {type BatchBook, type BatchProgress} from './records.js'
import {readBatches} from './topic.js'

export {BatchBook, type BatchProgress, type BatchRecord, type BatchResult, endJobsDue, endJobId} from './records.js'
export {batchReaderGroup} from './groups.js'
export {BatchFollower, ensureBatchTopic, readBatches} from './topic.js'

/**
 * Where a batch is: `running` while jobs are pending, `ending` once all have ended and before its
 * end jobs are dispatched, then `succeeded` (none failed for good) or `failed`.
 */
export type BatchStatus = 'running' | 'ending' | 'succeeded' | 'failed'

export interface BatchSummary extends BatchProgress {
  status: BatchStatus
}

export function statusOf(batch: BatchProgress): BatchStatus {
  if (batch.pending === undefined || batch.pending > 0) return 'running'
  if (batch.finished === undefined) return 'ending'
  return batch.failed === 0 ? 'succeeded' : 'failed'
}

/** Every batch on the batch topic, oldest first; `running` keeps those not yet ended. */
export async function listBatches(config: KqConfig, options: {running?: boolean} = {}): Promise<BatchSummary[]> {
  return summariesOf(await readBatches(config), options)
}

/** The batches a book holds, oldest first, with their status; `running` keeps those not yet ended. */
export function summariesOf(book: BatchBook, options: {running?: boolean} = {}): BatchSummary[] {
  const all = book.all().map((batch) => ({...batch, status: statusOf(batch)}))
  return options.running ? all.filter((batch) => batch.status === 'running' || batch.status === 'ending') : all
}

/** Refuses an id that cannot be a batch's before anything is read. */
export function assertBatchId(id: string): void {
  if (!isJobId(id)) throw new UsageError(`${JSON.stringify(id)} is not a batch id (a UUIDv7, as batch().dispatch() returned it): kq batch:list shows the batches`)
}

export async function findBatch(config: KqConfig, id: string): Promise<BatchSummary> {
  assertBatchId(id)
  const batch = (await readBatches(config)).get(id)
  if (batch === undefined) throw new UsageError(`no batch ${id} on ${config.batchTopic}: kq batch:list shows the batches there (a batch is kept as long as the topic's retention)`)
  return {...batch, status: statusOf(batch)}
}
