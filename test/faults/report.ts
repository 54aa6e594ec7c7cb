import {type FaultResult} from './scenarios.js'

/** The fault run as a Markdown table: per scenario, jobs, what became of them, and re-runs. */
export function faultTable(results: FaultResult[]): string {
  const rows = results.map((result) => {
    const notes = result.notes.length > 0 ? result.notes.join('; ') : ''
    const cells = [result.scenario, result.dispatched, result.done, result.deadLettered, result.lost, result.reRuns, result.seconds.toFixed(0), notes]
    return `| ${cells.join(' | ')} |`
  })
  return ['| scenario | jobs | done | dead letters | lost | re-run | s | notes |', '|---|---|---|---|---|---|---|---|', ...rows].join('\n')
}
