import {MAX_BATCH_SIZE} from '../lib/dispatch/batch-size.js'
import {type DispatchFlags} from './dispatch-steps.js'

/**
 * Which `kq dispatch` command lines may skip oclif: one job, given as arguments, or the jobs of
 * an NDJSON file or stdin, with the plain flags below. Loading oclif was most of a one-shot
 * dispatch's time, and scripts and cron send one job at a time. Anything else (help, a flag spelt
 * any other way, a missing job, flags oclif would refuse together, `--`) returns undefined and
 * goes through oclif as before, so nothing here decides a usage error: this only recognises
 * command lines oclif would read the same way. Kept apart from the path it selects, so that
 * bin/run.js can ask without loading it: the import above is of a type and a constant.
 */

export interface FastDispatchRequest {
  job: string
  payload?: string
  flags: DispatchFlags
  json: boolean
}

type ValueFlag = Exclude<keyof DispatchFlags, 'batch-size'>

/** The dispatch command's flags that take a value, by every spelling oclif accepts for them. */
const VALUE_FLAGS: Readonly<Record<string, ValueFlag>> = {
  '--file': 'file',
  '-f': 'file',
  '--key': 'key',
  '-k': 'key',
  '--ndjson': 'ndjson',
  '--key-field': 'key-field',
  '--header': 'header',
  '-H': 'header',
  '--queue': 'queue',
  '-q': 'queue',
  '--delay': 'delay',
  '--at': 'at',
  '--brokers': 'brokers',
  '-b': 'brokers',
  '--jobs-dir': 'jobs-dir',
  '--dotenv': 'dotenv',
  '--env-file': 'dotenv',
}

/** The command line as a one-job dispatch, or undefined when oclif should read it. */
export function fastDispatchRequest(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  stdout: {isTTY?: boolean},
): FastDispatchRequest | undefined {
  // oclif's JSON mode also follows KQ_CONTENT_TYPE, and on a terminal it colours JSON by theme.
  if (argv[0] !== 'dispatch' || env.KQ_CONTENT_TYPE !== undefined) return undefined
  const positional: string[] = []
  const flags: DispatchFlags = {}
  let batchSize: string | undefined
  let json = false
  for (let index = 1; index < argv.length; index++) {
    const token = argv[index]
    if (token === '--json') {
      if (json) return undefined
      json = true
      continue
    }

    if (token === '-' || !token.startsWith('-')) {
      positional.push(token)
      continue
    }

    const equals = token.startsWith('--') ? token.indexOf('=') : -1
    const spelling = equals === -1 ? token : token.slice(0, equals)
    const value = equals === -1 ? argv[++index] : token.slice(equals + 1)
    if (spelling === '--batch-size') {
      if (batchSize !== undefined) return undefined
      batchSize = value
      continue
    }

    const name = VALUE_FLAGS[spelling]
    // A value that looks like a flag, or none, is oclif's to judge; `--ndjson -` reads stdin.
    if (name === undefined || value === undefined || value === '' || (value.startsWith('-') && !(name === 'ndjson' && value === '-'))) return undefined
    if (name === 'header') {
      flags.header = [...(flags.header ?? []), value]
    } else {
      if (flags[name] !== undefined) return undefined
      flags[name] = value
    }
  }

  if (positional.length === 0 || positional.length > (flags.ndjson === undefined ? 2 : 1)) return undefined
  if (json && stdout.isTTY) return undefined
  if (flags.ndjson === undefined ? flags['key-field'] !== undefined || batchSize !== undefined : !bulkFlagsAccepted(flags, batchSize)) return undefined
  if (batchSize !== undefined) flags['batch-size'] = Number(batchSize)
  return {job: positional[0], payload: positional[1], flags, json}
}

/** Whether oclif takes these flags beside --ndjson: it refuses --file or --key with --key-field, and a batch size out of range. */
function bulkFlagsAccepted(flags: DispatchFlags, batchSize: string | undefined): boolean {
  if (flags.file !== undefined || (flags.key !== undefined && flags['key-field'] !== undefined)) return false
  return batchSize === undefined || (/^[1-9]\d{0,5}$/.test(batchSize) && Number(batchSize) <= MAX_BATCH_SIZE)
}
