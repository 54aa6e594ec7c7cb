import path from 'node:path'

import {type ConfigEntry, type ConfigReport} from '../config/explain.js'
import {renderTable} from './table.js'

/** `kq config` for a person: the file read, then one row a setting. */
export function renderConfig(report: ConfigReport): string {
  const read = report.envFile ? `Read ${report.envFile}; the environment and flags win over it.` : 'No env file: read the environment and flags.'
  const rows = report.settings.map((entry) => [entry.name, valueText(entry), sourceText(entry, report.envFile)])
  return `${read}\n\n${renderTable(['Setting', 'Value', 'From'], rows)}`
}

/** The From column: `--brokers`, `environment`, `.env`, `default`, or nothing when unset. */
function sourceText(entry: ConfigEntry, envFile: string | undefined): string {
  if (entry.source === 'flag') return entry.flag ?? 'flag'
  if (entry.source === 'file') return path.basename(envFile ?? '.env')
  return entry.source === 'unset' ? '' : entry.source
}

/** The value, and for encryption keys their ids: `******** (key 3f2a9c01b7d4)`. */
function valueText(entry: ConfigEntry): string {
  if (entry.keyIds === undefined) return entry.value ?? ''
  return `${entry.value} (${entry.keyIds.length === 1 ? 'key' : 'keys'} ${entry.keyIds.join(', ')})`
}
