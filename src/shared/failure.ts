import {stripVTControlCharacters} from 'node:util'

import {type Acting, grantLine} from '../lib/acl/grant-line.js'
import {AuthorizationError, ExitCode, KqError, TopicNotFoundError} from '../lib/errors.js'
import {stylesFor} from '../lib/output/styles.js'

/** What a failed command reports: one line, a stable exit code, and for --json the error's details. */
export interface Failure {
  name: string
  message: string
  exitCode: number
  details?: Record<string, unknown>
}

/**
 * A command's failure as kq reports it. `usageOf` is the command whose --help to point to when
 * the error is the command-line parser's own (oclif's, several lines: kq answers with one).
 */
export function describeFailure(error: Error, acting: Acting | undefined, usageOf?: {commandId?: string}): Failure {
  if (error instanceof KqError) {
    return {name: error.name, message: withGrantAdvice(error, acting), exitCode: error.exitCode, details: error.details}
  }

  if (usageOf !== undefined) return {name: error.name, message: oneLineUsageError(error.message, usageOf.commandId), exitCode: ExitCode.Usage}
  return {name: error.name, message: `unexpected error: ${error.message} (set KQ_DEBUG=1 to see where)`, exitCode: ExitCode.Failure}
}

/** The failure as --json prints it. */
export function failureJson({name, message, exitCode, details}: Failure): {error: Record<string, unknown>} {
  return {error: {name, message, exitCode, ...details}}
}

/** `Error: <message>` on stderr, and where it came from when KQ_DEBUG is set. */
export function printFailure(failure: Failure, error: Error): void {
  process.stderr.write(`${stylesFor(process.stderr).red('Error:')} ${failure.message}\n`)
  if (process.env.KQ_DEBUG && error.stack) process.stderr.write(`${error.stack}\n`)
}

/**
 * A missing ACL, answered with the `kq acl:grant` line of the command's role. Kafka hides the
 * topics a logged-in client may not describe, so for one a topic that is not found may be one
 * it may not see.
 */
function withGrantAdvice(error: KqError, acting: Acting | undefined): string {
  if (acting === undefined) return error.message
  const grant = `\`${grantLine(acting)}\``
  const role = `${/^[aeiou]/.test(acting.role) ? 'an' : 'a'} ${acting.role}`
  if (error instanceof AuthorizationError) return `${error.denied}: a Kafka admin can grant what ${role} needs with ${grant}`
  if (error instanceof TopicNotFoundError && acting.principal !== undefined) {
    return `${error.message}; if it exists, ${acting.principal} may not see it: ${grant} grants what ${role} needs`
  }

  return error.message
}

/**
 * oclif's parse errors span several lines; kq answers every bad input with one. Its heading
 * "The following errors occurred:" says nothing the reasons under it do not, and a missing
 * argument's line is its name and description padded apart: `queue (The queue to pause.)`.
 */
function oneLineUsageError(message: string, commandId: string | undefined): string {
  const lines = message
    .split('\n')
    // oclif dims the reasons on a terminal.
    .map((line) => stripVTControlCharacters(line).trim())
    .filter((line) => line !== '' && !line.startsWith('See more help'))
    // An empty argument (`kq restart ''`) is named as one, not as nothing after the colon.
    .map((line) => (/^Unexpected arguments?:$/.test(line) ? `${line} ""` : line))
  const reasons = /^The following errors? occurred:$/.test(lines[0] ?? '')
  const parts = (reasons ? lines.slice(1) : lines).map((line) => line.replace(/^(\S+) {2,}(\S.*)$/, '$1 ($2)'))
  const text = reasons ? parts.join('; ') : parts.slice(1).reduce((joined, part) => `${joined}${joined.endsWith(':') ? ' ' : ': '}${part}`, parts[0] ?? '')
  const help = commandId ? `kq ${commandId} --help` : 'kq --help'
  return `${text} (see \`${help}\`)`
}
