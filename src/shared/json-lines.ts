import {type Failure, failureJson} from './failure.js'

/**
 * Whether --json is on the command line, read from the arguments themselves: a command that
 * streams JSON lines (kq work) must answer in JSON even when its flags failed to parse, and
 * oclif's own check counts only commands that print one document at the end.
 */
export function asksForJson(argv: string[]): boolean {
  const end = argv.indexOf('--')
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json')
}

/**
 * A failure as one line of a JSON stream: an event like the others (`event`, `time`), with the
 * `error` object every command prints under --json.
 */
export function failureLine(failure: Failure, now = new Date()): string {
  return JSON.stringify({event: 'error', time: now.toISOString(), ...failureJson(failure)})
}
