import {type IncomingMessage, type OutgoingMessage} from '../kafka/index.js'

/** What an operator asked every worker: restart, or stop or go on taking a queue's jobs. */
export type ControlAction = 'restart' | 'pause' | 'continue'

/** One record of the control topic, as `kq restart`, `kq pause` and `kq continue` write it. */
export interface ControlRecord {
  action: ControlAction
  /** pause and continue: the queue, as named on the command line. */
  queue?: string
  /** pause and continue: the queue's topic, which workers match (two apps may name a queue apart). */
  topic?: string
  /** When it was asked, ISO-8601, from the asking machine's clock: for people, never compared. */
  at: string
  /** Who asked: host:pid. */
  by: string
}

/** What a record changed, as a worker sees it. */
export type ControlChange =
  | {kind: 'restart'; record: ControlRecord; offset: number}
  | {kind: 'paused' | 'continued'; record: ControlRecord & {queue: string; topic: string}}

/**
 * Compaction keeps the last record of each key: one `restart`, and one per queue topic saying
 * whether it is paused, so that a worker reading the whole topic learns the current state.
 */
export function controlKey(record: Pick<ControlRecord, 'action' | 'topic'>): string {
  return record.action === 'restart' ? 'restart' : `queue:${record.topic}`
}

export function encodeControl(record: ControlRecord): OutgoingMessage {
  return {key: controlKey(record), value: JSON.stringify(record)}
}

/** The record, or undefined for one this kq cannot read (written by a newer kq, or by hand): skipped. */
export function decodeControl(message: IncomingMessage): ControlRecord | undefined {
  if (message.value === null) return undefined
  try {
    const record = JSON.parse(message.value.toString('utf8')) as Partial<ControlRecord>
    if (record.action === 'restart') return {action: 'restart', at: String(record.at), by: String(record.by)}
    if ((record.action === 'pause' || record.action === 'continue') && typeof record.topic === 'string') {
      return {action: record.action, queue: String(record.queue ?? record.topic), topic: record.topic, at: String(record.at), by: String(record.by)}
    }
  } catch {}

  return undefined
}

/**
 * The control topic folded into what holds now: the last restart asked, and the paused queues by
 * topic. Pure: a worker and `kq status` feed it the records they read, in offset order.
 */
export class ControlState {
  restart?: {record: ControlRecord; offset: number}
  readonly paused = new Map<string, ControlRecord & {queue: string; topic: string}>()

  /** Takes one record; says what changed, if anything (a pause of a paused queue changes nothing). */
  apply(message: IncomingMessage): ControlChange | undefined {
    const record = decodeControl(message)
    if (record === undefined) return undefined
    if (record.action === 'restart') {
      this.restart = {record, offset: message.offset}
      return {kind: 'restart', record, offset: message.offset}
    }

    const queued = record as ControlRecord & {queue: string; topic: string}
    const wasPaused = this.paused.has(queued.topic)
    if (record.action === 'pause') {
      this.paused.set(queued.topic, queued)
      return wasPaused ? undefined : {kind: 'paused', record: queued}
    }

    this.paused.delete(queued.topic)
    return wasPaused ? {kind: 'continued', record: queued} : undefined
  }
}
