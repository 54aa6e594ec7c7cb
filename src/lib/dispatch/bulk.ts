import {type EnvelopeEncoder, type Keyring, HEADERS} from '../envelope/index.js'
import {type OutgoingMessage, type Publisher} from '../kafka/index.js'
import {type BulkStop, BulkDispatchInterruptedError} from './bulk-interrupted.js'
import {type BulkLines} from './line-store.js'
import {type Placement, notBeforeHeader, sendOptions} from './placement.js'
import {type DispatchRecorder} from './recorder.js'

export type {BulkLine} from './line-store.js'

/** Where a bulk dispatch goes and how its messages are made; fixed for all its lines. */
export interface BulkTarget extends Placement {
  job: string
  queue: string
  headers: Record<string, string>
  encoder: EnvelopeEncoder
}

export interface BulkProgress {
  sent: number
  total: number
}

export interface BulkResult {
  job: string
  queue: string
  /** Where the jobs were written: the queue topic, or the delay topic where they wait. */
  topic: string
  /** When the jobs may start, all of them (ISO 8601); absent when at once. */
  dueAt?: string
  count: number
  /** Wall time of the sends, in seconds. */
  seconds: number
}

/**
 * Sends checked lines in batches of `batchSize`, one batch in flight at a time (see
 * Dispatcher.sendBulk); a failed batch ends it with what was sent, by line number.
 */
export async function sendLines(
  publisher: Publisher,
  target: BulkTarget,
  lines: BulkLines,
  options: {batchSize: number; onProgress?: (progress: BulkProgress) => void; source?: string},
): Promise<BulkResult> {
  const started = process.hrtime.bigint()
  const encode = bulkEncoder(target)
  const batchOf = (start: number): OutgoingMessage[] => {
    const end = Math.min(start + options.batchSize, lines.length)
    const batch: OutgoingMessage[] = new Array(end - start)
    for (let index = start; index < end; index++) batch[index - start] = encode(lines, index)
    return batch
  }

  let batch = batchOf(0)
  for (let start = 0; start < lines.length; start += options.batchSize) {
    const sending = publisher.sendBatch(target.topic, batch, sendOptions(target))
    // Kept until the send settles: a rejection seen only after the encoding is not unhandled.
    sending.catch(() => {})
    const next = start + options.batchSize
    if (next < lines.length) batch = batchOf(next)
    try {
      await sending
    } catch (error) {
      throw new BulkDispatchInterruptedError(bulkStop(lines, start, next, {source: options.source ?? 'the input', job: target.job}), error)
    }

    options.onProgress?.({sent: Math.min(next, lines.length), total: lines.length})
  }

  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const {job, queue, topic, dueAt} = target
  return {job, queue, topic, ...(dueAt && {dueAt}), count: lines.length, seconds}
}

/** Where a bulk dispatch stopped when the batch of lines [start, end) failed. */
function bulkStop(lines: BulkLines, start: number, end: number, about: {source: string; job: string}): BulkStop {
  const lineOf = (index: number) => lines.line(index) ?? index + 1
  const last = Math.min(end, lines.length) - 1
  return {
    sent: {jobs: start, lastLine: start === 0 ? null : lineOf(start - 1)},
    uncertain: {jobs: last - start + 1, firstLine: lineOf(start), lastLine: lineOf(last)},
    unsent: {jobs: lines.length - last - 1, firstLine: last + 1 < lines.length ? lineOf(last + 1) : null},
    ...about,
  }
}

/** A bulk dispatch while the queue is faked: every line recorded, as sendBulk would send it. */
export function recordBulk(recorder: DispatchRecorder, target: BulkTarget & {keyring?: Keyring}, lines: BulkLines): BulkResult {
  const encode = bulkEncoder(target)
  for (let index = 0; index < lines.length; index++) recorder.record({...target, message: encode(lines, index)})
  const {job, queue, topic, dueAt} = target
  return {job, queue, topic, ...(dueAt && {dueAt}), count: lines.length, seconds: 0}
}

/**
 * Makes one bulk line's message: the envelope from the encoder's template, as bytes straight from
 * the line's own when it has them, and its headers, the shared ones gathered once for all the
 * lines rather than spread into each.
 */
function bulkEncoder(target: BulkTarget): (lines: BulkLines, index: number) => OutgoingMessage {
  const before = Object.entries({...target.headers, [HEADERS.job]: target.job})
  const after = Object.entries(notBeforeHeader(target))
  const {messageBytes} = target.encoder
  const message = (lines: BulkLines, index: number): {id: string; value: Buffer | string} => {
    const bytes = messageBytes === undefined ? undefined : lines.payloadBytes?.(index)
    if (bytes !== undefined) return messageBytes!(bytes)
    const {id, json} = target.encoder.messageJson(lines.payloadJson(index))
    return {id, value: json}
  }

  return (lines, index) => {
    const {id, value} = message(lines, index)
    const headers: Record<string, string> = {}
    for (const [name, value] of before) headers[name] = value
    headers[HEADERS.jobId] = id
    if (target.encoder.keyId !== undefined) headers[HEADERS.keyId] = target.encoder.keyId
    for (const [name, value] of after) headers[name] = value
    return {key: lines.key(index), value, headers}
  }
}
