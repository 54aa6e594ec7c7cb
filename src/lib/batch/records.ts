import {createHash} from 'node:crypto'

import {jobIdTime, newJobId} from '../envelope/index.js'
import {type IncomingMessage, type OutgoingMessage} from '../kafka/index.js'

/** A job a batch dispatches when it ends: its class name and queue. */
export interface BatchCallback {
  job: string
  queue: string
}

/** What a batch dispatches when it ends, by when. */
export interface BatchCallbacks {
  /** Every job done, none failed for good (or failures allowed). */
  then?: BatchCallback
  /** A job failed for good and failures are not allowed. */
  catch?: BatchCallback
  /** Every job done, whatever became of them. */
  finally?: BatchCallback
}

/**
 * One record of the batch topic, keyed by the batch id so that a batch's records share a
 * partition, in the order they were written.
 * - `created`: written before any job of the batch, with its total and what runs at its end;
 * - `job`: a job of the batch is done (`ok`) or failed for good; a job run again writes it again;
 * - `finished`: the batch's end jobs were dispatched, by the job that completed it.
 */
export type BatchRecord =
  | ({type: 'created'; batch: string; at: string; name?: string; total: number; allowFailures: boolean} & BatchCallbacks)
  | {type: 'job'; batch: string; at: string; id: string; job: string; ok: boolean}
  | {type: 'finished'; batch: string; at: string; by: string; dispatched: string[]}

export function encodeBatchRecord(record: BatchRecord): OutgoingMessage {
  return {key: record.batch, value: JSON.stringify(record)}
}

/** The record, or undefined for one this kq cannot read (written by a newer kq, or by hand): skipped. */
export function decodeBatchRecord(message: Pick<IncomingMessage, 'value'>): BatchRecord | undefined {
  if (message.value === null) return undefined
  try {
    const record = JSON.parse(message.value.toString('utf8')) as BatchRecord
    if (typeof record.batch !== 'string') return undefined
    if (record.type === 'created' && Number.isInteger(record.total)) return record
    if (record.type === 'job' && typeof record.id === 'string' && typeof record.ok === 'boolean') return record
    if (record.type === 'finished' && typeof record.by === 'string') return record
  } catch {}

  return undefined
}

/** A batch as its records tell it so far. */
export interface BatchProgress {
  id: string
  name?: string
  createdAt?: string
  /** Jobs in the batch; undefined when its created record was not read (expired, or read from its middle). */
  total?: number
  /** Jobs done or failed for good, each counted once however often it ran. */
  done: number
  failed: number
  /** total - done - failed. */
  pending?: number
  allowFailures: boolean
  callbacks: BatchCallbacks
  /** The ids of the jobs that failed for good, in the order they did. */
  failedJobs: Array<{id: string; job: string}>
  /** The job whose first end record ended the batch: the one to dispatch its end jobs. */
  completedBy?: string
  /** When its end jobs were dispatched, and which. */
  finished?: {at: string; by: string; dispatched: string[]}
}

/**
 * Batch records folded into each batch's progress, in offset order. A job's first record
 * counts, later ones (the same job run again after a crash or a rebalance) do not, so the count
 * never passes the total and exactly one job id completes a batch. Pure.
 */
export class BatchBook {
  private readonly batches = new Map<string, BatchProgress & {ended: Set<string>}>()

  apply(record: BatchRecord | undefined): void {
    if (record === undefined) return
    const batch = this.entry(record.batch)
    switch (record.type) {
      case 'created': {
        Object.assign(batch, {name: record.name, createdAt: record.at, total: record.total, allowFailures: record.allowFailures})
        batch.callbacks = {then: record.then, catch: record.catch, finally: record.finally}
        break
      }

      case 'job': {
        if (batch.ended.has(record.id)) return
        batch.ended.add(record.id)
        if (record.ok) batch.done++
        else {
          batch.failed++
          batch.failedJobs.push({id: record.id, job: record.job})
        }

        break
      }

      case 'finished': {
        batch.finished ??= {at: record.at, by: record.by, dispatched: record.dispatched}
        break
      }
    }

    if (batch.total !== undefined) {
      batch.pending = batch.total - batch.done - batch.failed
      if (batch.pending === 0 && batch.completedBy === undefined && record.type === 'job') batch.completedBy = record.id
    }
  }

  applyMessage(message: Pick<IncomingMessage, 'value'>): void {
    this.apply(decodeBatchRecord(message))
  }

  get(id: string): BatchProgress | undefined {
    const batch = this.batches.get(id)
    if (batch === undefined) return undefined
    const {ended: _ended, ...progress} = batch
    return progress
  }

  /** Every batch seen, oldest created first. */
  all(): BatchProgress[] {
    return [...this.batches.keys()].map((id) => this.get(id)!)
  }

  private entry(id: string): BatchProgress & {ended: Set<string>} {
    let batch = this.batches.get(id)
    if (batch === undefined) {
      batch = {id, done: 0, failed: 0, allowFailures: false, callbacks: {}, failedJobs: [], ended: new Set()}
      this.batches.set(id, batch)
    }

    return batch
  }
}

/** What a batch's end jobs get as their payload. */
export interface BatchResult {
  batch: string
  name?: string
  total: number
  failed: number
  failedJobs: Array<{id: string; job: string}>
}

/** An end job to dispatch: its role, its class and queue, and the job id it always gets. */
export interface BatchEndJob extends BatchCallback {
  role: 'then' | 'catch' | 'finally'
  id: string
  payload: BatchResult
}

/**
 * The end jobs that `jobId` must dispatch now that its end record is in: none unless its record
 * is the one that completed the batch and no `finished` record says they were dispatched. `then`
 * when no job failed for good or failures are allowed, `catch` when one did and they are not;
 * `finally` always, last. Each gets an id made from the batch id and its role, so that a
 * dispatch made twice (see README "Batches") carries the same job id.
 */
export function endJobsDue(batch: BatchProgress | undefined, jobId: string): BatchEndJob[] {
  if (batch?.total === undefined || batch.completedBy !== jobId || batch.finished !== undefined) return []
  const payload: BatchResult = {
    batch: batch.id,
    ...(batch.name !== undefined && {name: batch.name}),
    total: batch.total,
    failed: batch.failed,
    failedJobs: batch.failedJobs,
  }
  const succeeded = batch.failed === 0 || batch.allowFailures
  const roles = [succeeded ? 'then' : 'catch', 'finally'] as const
  return roles.flatMap((role) => {
    const callback = batch.callbacks[role]
    return callback === undefined ? [] : [{role, ...callback, id: endJobId(batch.id, role), payload}]
  })
}

/** A job id (a UUIDv7) that is the same every time for one batch and role: the batch's time, bits of a hash. */
export function endJobId(batchId: string, role: string): string {
  const digest = createHash('sha256').update(`${batchId}:${role}`).digest()
  return newJobId(jobIdTime(batchId), () => digest.subarray(0, 10))
}
