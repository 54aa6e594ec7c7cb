import {type ChalkInstance} from 'chalk'
import Table from 'cli-table3'

import {stylesFor} from './styles.js'

const BORDER_CHARS = [
  'top',
  'top-mid',
  'top-left',
  'top-right',
  'bottom',
  'bottom-mid',
  'bottom-left',
  'bottom-right',
  'left',
  'left-mid',
  'mid',
  'mid-mid',
  'right',
  'right-mid',
  'middle',
] as const

export type Cell = string | number | boolean | null | undefined

/**
 * A plain cli-table3 table with bold headings; returns the text for the command to print.
 * Styles are those of stdout unless given (a renderer under test passes plain ones).
 */
export function renderTable(head: string[], rows: Cell[][], styles: ChalkInstance = stylesFor()): string {
  const table = new Table({
    head: head.map((title) => styles.bold(title.toUpperCase())),
    // Borderless columns, as kubectl and kafkactl print them: easy to read, grep and cut.
    chars: Object.fromEntries(BORDER_CHARS.map((name) => [name, ''])),
    style: {head: [], border: [], 'padding-left': 0, 'padding-right': 2},
  })
  for (const row of rows) table.push(row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))))
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
}
