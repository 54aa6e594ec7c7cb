import {stripVTControlCharacters} from 'node:util'

import {type DeadLetter, type DeadLetterDetail} from '../dead-letter/letters.js'
import {type DeadLetterState, type PurgeResult, type ReplayResult} from '../dead-letter/store.js'
import {stylesFor} from './styles.js'
import {type Cell, renderTable} from './table.js'

/** Rows past this are summed up in one line: a table of thousands helps nobody read. */
const MAX_RESULT_ROWS = 50

/** Local time to the second, as `kq work` prints it. */
export function localTime(iso: string): string {
  const date = new Date(iso)
  const pad = (value: number) => String(value).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
}

function shorten(text: string | null, width: number): string {
  if (text === null) return ''
  const line = text.split('\n', 1)[0]
  return line.length > width ? `${line.slice(0, width - 1)}…` : line
}

function origin(letter: DeadLetter): string {
  const {partition, offset} = letter.original
  return partition === null || offset === null ? '' : `${partition}:${offset}`
}

export const DEAD_LETTER_COLUMNS = ['ID', 'Job', 'Reason', 'Error', 'Attempts', 'Failed at', 'Origin']

/** One dead letter as a row of the list (and of the checkbox on a terminal). */
export function deadLetterRow(letter: DeadLetter): Cell[] {
  return [
    letter.id,
    letter.job ?? '?',
    letter.reason ?? '',
    shorten(letter.errorMessage, 40),
    letter.attempts,
    localTime(letter.failedAt),
    origin(letter),
  ]
}

export function renderDeadLetterList(letters: DeadLetter[], options: {all?: boolean} = {}): string {
  const styles = stylesFor()
  const head = options.all ? [...DEAD_LETTER_COLUMNS, 'Status'] : DEAD_LETTER_COLUMNS
  return renderTable(
    head,
    letters.map((letter) => (options.all ? [...deadLetterRow(letter), letter.handled ? styles.dim('handled') : 'pending'] : deadLetterRow(letter))),
  )
}

/** The line under the list, or instead of it when there is nothing to list. */
export function describeListing(state: DeadLetterState, shown: number, options: {all?: boolean; filtered?: boolean} = {}): string {
  const handled = state.handled.toLocaleString('en-US')
  if (state.pending + state.handled === 0) return `No dead letters in ${state.topic}.`
  if (state.pending === 0 && !options.all) return `No pending dead letters in ${state.topic} (${handled} handled: --all lists them).`
  const counts = `${plural(state.pending, 'pending dead letter')} in ${state.topic}, ${handled} handled.`
  return options.filtered ? `${shown.toLocaleString('en-US')} shown; ${counts}` : counts
}

/** The other queues' pending dead letters, after a listing of the default queue's. */
export function describeOtherQueues(queues: Array<{queue: string; pending: number}>): string {
  const counts = queues.map(({queue, pending}) => `${queue} (${pending.toLocaleString('en-US')})`).join(', ')
  return `Other queues have pending dead letters: ${counts}: \`kq dlt:list ${queues[0].queue}\` lists them.`
}

export function renderDeadLetter(detail: DeadLetterDetail): string {
  const styles = stylesFor()
  const field = (name: string, value: string | number | null) => `  ${name.padEnd(13)}${value ?? ''}`
  const attempts = detail.attempts === null ? '' : ` after ${plural(detail.attempts, 'attempt')}`
  const lines = [
    `${styles.bold('Dead letter')} ${detail.id} ${detail.status === 'pending' ? styles.yellow('(pending)') : styles.dim('(handled)')}`,
    field('Job', detail.job ?? '?'),
    field('Reason', `${detail.reason ?? '?'}${attempts}`),
    field('Failed at', `${detail.failedAt}${detail.headers['kq-first-failed-at'] ? ` (first failure ${detail.headers['kq-first-failed-at']})` : ''}`),
    field('Error', `${detail.error.class ?? 'Error'}: ${detail.error.message ?? ''}`),
    field('Original', detail.original.topic === null ? '?' : `${detail.original.topic} partition ${detail.original.partition}, offset ${detail.original.offset}`),
    field('Dead letter', `${detail.deadLetter.topic} partition ${detail.deadLetter.partition}, offset ${detail.deadLetter.offset}`),
    field('Key', detail.key ?? '(none)'),
    field('Replays', detail.replayCount),
    '',
    styles.bold('Payload'),
    ...payloadLines(detail, styles),
    '',
    styles.bold('Headers'),
    renderTable(['Name', 'Value'], Object.entries(detail.headers).filter(([name]) => name !== 'kq-error-stack').map(([name, value]) => [name, shorten(value, 120)])),
  ]
  if (detail.error.stack) lines.push('', styles.bold('Stack'), detail.error.stack)
  return lines.join('\n')
}

/** The payload as it reads: decrypted and said so, still encrypted and why, or the raw value of what is not a job. */
function payloadLines(detail: DeadLetterDetail, styles: ReturnType<typeof stylesFor>): string[] {
  const {encryption} = detail
  if (encryption?.decrypted === false) return [styles.yellow(`encrypted, not shown: ${encryption.why}`)]
  const note = encryption ? [styles.dim(`(encrypted with key ${encryption.key}; decrypted here, the dead letter stays encrypted)`)] : []
  if ('payload' in detail) return [...note, JSON.stringify(detail.payload, null, 2)]
  return [`${styles.yellow('not a kq job; the raw value:')}\n${typeof detail.value === 'string' ? detail.value : JSON.stringify(detail.value, null, 2)}`]
}

export function renderReplayResult(result: ReplayResult, notFound: string[] = []): string {
  const styles = stylesFor()
  const lines: string[] = []
  const count = plural(result.replayed.length, 'dead letter')
  if (result.dryRun) {
    lines.push(`Would replay ${count} from ${result.topic} to ${result.to}${notFoundNote(notFound)} ${styles.dim('(dry run: nothing was sent)')}`)
  } else {
    lines.push(`${styles.green('Replayed')} ${count} from ${result.topic} to ${result.to}${notFoundNote(notFound)}`)
  }

  if (result.replayed.length > 0 && result.replayed.length <= MAX_RESULT_ROWS) {
    const head = result.dryRun ? ['ID', 'Job', 'Dead letter', 'Replay'] : ['ID', 'Job', 'Dead letter', 'Replay', 'Sent to']
    const rows = result.replayed.map((each) => {
      const row: Cell[] = [each.id, each.job ?? '?', each.deadLetter, `#${each.replayCount}`]
      if (!result.dryRun) row.push(`${each.partition}:${each.offset}`)
      return row
    })
    lines.push(indent(renderTable(head, rows)))
  }

  lines.push(...alreadyHandled(result.alreadyHandled))
  return lines.join('\n')
}

export function renderPurgeResult(result: PurgeResult, notFound: string[] = []): string {
  const styles = stylesFor()
  const count = plural(result.purged.length, 'dead letter')
  const lines = [
    result.dryRun
      ? `Would mark ${count} of ${result.topic} handled${notFoundNote(notFound)} ${styles.dim('(dry run: nothing was changed)')}`
      : `${styles.green('Purged')} ${count} from ${result.topic}: marked handled, not replayed${notFoundNote(notFound)}`,
  ]
  if (result.purged.length > 0 && result.purged.length <= MAX_RESULT_ROWS) {
    lines.push(indent(renderTable(['ID', 'Job', 'Dead letter'], result.purged.map((each) => [each.id, each.job ?? '?', each.deadLetter]))))
  }

  lines.push(...alreadyHandled(result.alreadyHandled))
  return lines.join('\n')
}

/** What a confirmation asks, and a checkbox choice's text. */
export function describeSelection(letters: DeadLetter[]): string {
  const jobs = [...new Set(letters.map((letter) => letter.job ?? '?'))]
  const named = jobs.length <= 3 ? jobs.join(', ') : `${jobs.slice(0, 3).join(', ')} and ${jobs.length - 3} more jobs`
  return `${plural(letters.length, 'dead letter')} (${named})`
}

/**
 * The dead letters as the lines of a checkbox, under a header line: the columns of the list
 * with the error last, each line cut to the terminal's width so that none wraps.
 */
export function choiceLines(letters: DeadLetter[], width: number): {header: string; lines: string[]} {
  const rows = letters.map((letter) => [letter.id, letter.job ?? '?', letter.reason ?? '', localTime(letter.failedAt), shorten(letter.errorMessage, 60)])
  const [header, ...lines] = stripVTControlCharacters(renderTable(['ID', 'Job', 'Reason', 'Failed at', 'Error'], rows)).split('\n')
  const fit = (line: string) => (line.length > width ? `${line.slice(0, width - 1)}…` : line)
  return {header: fit(header), lines: lines.map((line) => fit(line))}
}

/** The ids asked for that no pending dead letter has, named on the summary line (as Laravel's queue:retry does). */
function notFoundNote(ids: string[]): string {
  return ids.length === 0 ? '' : `; no pending dead letter has id${ids.length === 1 ? '' : 's'} ${ids.join(', ')}`
}

function alreadyHandled(ids: string[]): string[] {
  return ids.length === 0 ? [] : [`${plural(ids.length, 'selected dead letter')} had been handled meanwhile by another command: left alone (${ids.join(', ')})`]
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n')
}

export function plural(count: number, noun: string): string {
  return `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`
}

