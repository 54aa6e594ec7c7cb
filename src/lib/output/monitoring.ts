import {type ChalkInstance} from 'chalk'

import {type BatchSummary} from '../batch/index.js'
import {type GroupMember, type TopicPartition} from '../kafka/index.js'
import {type QueueStatus, type StatusSnapshot, type WatchRefresh, alertText} from '../monitoring/index.js'
import {formatDrain} from './durations.js'
import {stylesFor} from './styles.js'
import {renderTable} from './table.js'
import {describePartitions} from './partitions.js'

export interface StatusRenderOptions {
  /** Only the queue table: no partitions, no workers. */
  brief?: boolean
  styles?: ChalkInstance
}

/** What a group's state means for its workers, in a few words. */
const STATE_NOTES: Record<string, string> = {
  Empty: 'no workers running',
  Dead: 'Kafka knows no such group: no worker has joined it',
  PreparingRebalance: 'workers are joining or leaving',
  CompletingRebalance: 'partitions are being handed out',
}

/**
 * `kq status` for people: a line on the group, a row per queue, then every partition of the
 * queue and retry topics and the workers with the partitions each holds.
 */
export function renderStatus(snapshot: StatusSnapshot, options: StatusRenderOptions = {}): string {
  const styles = options.styles ?? stylesFor()
  const sections = [groupLine(snapshot)]
  if (snapshot.queues.length === 0) {
    sections.push('No queues yet: create one with `kq topic:create`.')
    return sections.join('\n\n')
  }

  sections.push(queueTable(snapshot, styles))
  const warnings = snapshot.queues.flatMap((queue) => queue.warnings)
  if (warnings.length > 0) sections.push(warnings.map((warning) => `${styles.yellow('Warning:')} ${warning}`).join('\n'))
  if (!options.brief) {
    sections.push(partitionTable(snapshot.queues, styles))
    if (snapshot.group.members.length > 0) sections.push(memberTable(snapshot.group.members, styles))
  }

  if (snapshot.batches !== undefined && snapshot.batches.length > 0) sections.push(batchLines(snapshot.batches))
  return sections.join('\n\n')
}

function groupLine(snapshot: StatusSnapshot): string {
  const {id, state, members} = snapshot.group
  const note = STATE_NOTES[state]
  const workers = members.length === 0 ? '' : members.length === 1 ? ', 1 worker' : `, ${members.length} workers`
  const window = snapshot.rateWindowSeconds === null ? '' : ` Rates over the last ${snapshot.rateWindowSeconds.toFixed(1)}s.`
  return `Group ${id}: ${state}${note ? ` (${note})` : ''}${workers}.${window}`
}

function queueTable(snapshot: StatusSnapshot, styles: ChalkInstance): string {
  const judged = snapshot.thresholds.maxLag !== undefined || snapshot.thresholds.maxDead !== undefined
  const head = ['Queue', 'Lag', 'Retry', 'Delayed', 'Dead', 'Workers', 'Rate', 'Drain', ...(judged ? ['Status'] : [])]
  const rows = snapshot.queues.map((queue) => [
    queue.paused ? `${queue.queue} ${styles.yellow('(paused)')}` : queue.queue,
    figure(queue.lag),
    hiddenOr(queue, [queue.retryTopic], figure(queue.retryLag)),
    hiddenOr(queue, queue.delayTopics, figure(queue.delayed)),
    hiddenOr(queue, [queue.deadLetterTopic], figure(queue.pendingDeadLetters)),
    queue.workers,
    formatRate(queue.rate),
    formatDrain(queue.drainSeconds),
    ...(judged ? [verdict(queue, styles)] : []),
  ])
  return renderTable(head, rows, styles)
}

function verdict(queue: QueueStatus, styles: ChalkInstance): string {
  if (queue.alerts.length === 0) return styles.green('ok')
  return styles.red(`ALERT ${queue.alerts.map((alert) => alertText(alert)).join(', ')}`)
}

function partitionTable(queues: QueueStatus[], styles: ChalkInstance): string {
  const rows = queues.flatMap((queue) =>
    queue.partitions.map((each) => [each.topic, each.partition, each.end, figure(each.committed), figure(each.lag)]),
  )
  return renderTable(['Topic', 'Partition', 'End', 'Committed', 'Lag'], rows, styles)
}

/**
 * The workers, by the host and pid each `kq work` published on joining, so that an operator can
 * tell two workers of one machine apart (Kafka's own address, `/10.0.0.5`, is the same for both);
 * other consumers show that address and no pid.
 */
function memberTable(members: GroupMember[], styles: ChalkInstance): string {
  const rows = members.map((member) => ({
    member,
    host: member.process?.host ?? member.host.replace(/^\//, ''),
    pid: member.process === undefined ? '-' : String(member.process.pid),
  }))
  rows.sort((a, b) => a.host.localeCompare(b.host) || a.member.memberId.localeCompare(b.member.memberId))
  return renderTable(
    ['Worker', 'Host', 'PID', 'Client', 'Partitions'],
    rows.map(({member, host, pid}) => [member.memberId, host, pid, member.clientId, describePartitions(member.assignment, 'none yet')]),
    styles,
  )
}

/**
 * "no DESCRIBE" for a figure read from a topic Kafka would not describe to this principal: a
 * bare `-` reads as nothing to count, when it is nothing kq may see.
 */
function hiddenOr(queue: QueueStatus, topics: string[], shown: string): string {
  return topics.some((topic) => queue.undescribable.includes(topic)) ? 'no DESCRIBE' : shown
}

/** A figure, or `-` when unknown, as kafka-consumer-groups shows a partition without an offset. */
function figure(value: number | null): string {
  return value === null ? '-' : String(value)
}

/** Jobs per second, one decimal; `-` when unknown. */
export function formatRate(rate: number | null): string {
  return rate === null ? '-' : `${rate.toFixed(1)}/s`
}

/** The line above each `--watch` snapshot, as watch(1) prints one. */
export function watchHeader(time: Date, intervalSeconds: number): string {
  const pad = (value: number) => String(value).padStart(2, '0')
  const stamp = `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())} ${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}`
  return `Every ${intervalSeconds}s: kq status (Ctrl-C to stop)   ${stamp}`
}

/**
 * One `--watch` refresh for a terminal: the cursor goes home and each line overwrites the last
 * frame's, clearing what is left of it, then the rest of the screen. No clear-screen first, so
 * the frame never flickers.
 */
export function terminalFrame(text: string): string {
  return `\u001B[H${text
    .split('\n')
    .map((line) => `${line}\u001B[K`)
    .join('\n')}\n\u001B[J`
}

/**
 * One `--watch` refresh as written to stdout: a JSON line (an error as `{time, error}`), a frame
 * redrawn in place on a terminal, or else the snapshot under its header, one after another.
 */
export function renderRefresh(
  refresh: WatchRefresh,
  options: {json: boolean; terminal: boolean; intervalSeconds: number; brief?: boolean; styles?: ChalkInstance},
): string {
  if (options.json) {
    const line =
      'snapshot' in refresh
        ? refresh.snapshot
        : {time: refresh.time.toISOString(), error: {name: refresh.error.name, message: refresh.error.message, exitCode: refresh.error.exitCode}}
    return `${JSON.stringify(line)}\n`
  }

  const styles = options.styles ?? stylesFor()
  const time = 'snapshot' in refresh ? new Date(refresh.snapshot.time) : refresh.time
  const body = 'snapshot' in refresh ? renderStatus(refresh.snapshot, {brief: options.brief, styles}) : `${styles.red('Error:')} ${refresh.error.message}`
  const text = `${watchHeader(time, options.intervalSeconds)}\n\n${body}`
  return options.terminal ? terminalFrame(text) : `${text}\n\n`
}

/** ANSI: hide the cursor while frames are redrawn, and show it again after. */
export const HIDE_CURSOR = '\u001B[?25l'
export const SHOW_CURSOR = '\u001B[?25h'

/** The batches not yet ended, one line each; `kq batch:show` has the rest. */
function batchLines(batches: BatchSummary[]): string {
  const shown = batches.slice(0, MAX_BATCH_LINES).map((batch) => {
    const name = batch.name === undefined ? '' : ` (${batch.name})`
    return `  ${batch.id}${name}: ${batch.pending ?? '?'} of ${batch.total ?? '?'} pending, ${batch.failed} failed${batch.status === 'ending' ? ', ending' : ''}`
  })
  const more = batches.length > MAX_BATCH_LINES ? [`  and ${batches.length - MAX_BATCH_LINES} more: kq batch:list --running`] : []
  return [`Batches running: ${batches.length}`, ...shown, ...more].join('\n')
}

const MAX_BATCH_LINES = 10
