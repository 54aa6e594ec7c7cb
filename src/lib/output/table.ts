import Table from 'cli-table3'

import {stylesFor} from './styles.js'

export type Cell = string | number | boolean | null | undefined

/** A plain cli-table3 table with bold headings; returns the text for the command to print. */
export function renderTable(head: string[], rows: Cell[][]): string {
  const styles = stylesFor()
  const table = new Table({
    head: head.map((title) => styles.bold(title)),
    style: {head: [], border: []},
  })
  for (const row of rows) table.push(row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))))
  return table.toString()
}
