import {type DispatchFlags} from './dispatch-steps.js'

/**
 * Which `kq dispatch` command lines may skip oclif: one job, given as arguments and the plain
 * flags below. Loading oclif was most of a one-shot dispatch's time, and scripts and cron send
 * one job at a time. Anything else (help, --ndjson, a flag spelt any other way, a missing job,
 * `--`) returns undefined and goes through oclif as before, so nothing here decides a usage
 * error: this only recognises command lines oclif would read the same way. Kept apart from the
 * path it selects, so that bin/run.js can ask without loading it. Type-only import above.
 */

export interface FastDispatchRequest {
  job: string
  payload?: string
  flags: DispatchFlags
  json: boolean
}

type ValueFlag = Exclude<keyof DispatchFlags, 'ndjson'>

/** The dispatch command's flags that take a value, by every spelling oclif accepts for them. */
const VALUE_FLAGS: Readonly<Record<string, ValueFlag>> = {
  '--file': 'file',
  '-f': 'file',
  '--key': 'key',
  '-k': 'key',
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
    const name = VALUE_FLAGS[equals === -1 ? token : token.slice(0, equals)]
    const value = equals === -1 ? argv[++index] : token.slice(equals + 1)
    // A value that looks like a flag, or none, is oclif's to judge.
    if (name === undefined || value === undefined || value === '' || value.startsWith('-')) return undefined
    if (name === 'header') {
      flags.header = [...(flags.header ?? []), value]
    } else {
      if (flags[name] !== undefined) return undefined
      flags[name] = value
    }
  }

  if (positional.length === 0 || positional.length > 2) return undefined
  if (json && stdout.isTTY) return undefined
  return {job: positional[0], payload: positional[1], flags, json}
}
