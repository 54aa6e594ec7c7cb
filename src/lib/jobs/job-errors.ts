import {MAX_JOB_NAME_LENGTH} from '../envelope/index.js'
import {ExitCode, KqError} from '../errors.js'
import {closest} from '../text/closest.js'
import {displayPath} from '../text/paths.js'
import {checkJobName} from './scaffold.js'

/**
 * The two ways finding a job's class fails, told apart by exit code: a name no job file has
 * (the message or command is wrong) and a file that cannot serve as a job (its code is wrong).
 * Each says in one line what to do next.
 */

/** Known names listed in an UnknownJobError at most; the rest are counted. */
const MAX_LISTED_JOBS = 10

/** A name no job file in the folder has. Exit 2: the message or command named the wrong job. */
export class UnknownJobError extends KqError {
  override name = 'UnknownJobError'
  /** The nearest known name, when one is close enough to be a typo of it. */
  readonly suggestion?: string

  constructor(
    readonly job: string,
    readonly dir: string,
    readonly known: readonly string[],
  ) {
    // A long name cannot be a job (see MAX_JOB_NAME_LENGTH), and comparing it with every known
    // name would cost time proportional to its length: the name may come from anyone's message.
    const suggestion = job.length <= MAX_JOB_NAME_LENGTH ? closest(job, known) : undefined
    const folder = displayPath(dir)
    const hint =
      known.length === 0
        ? `there are no jobs in ${folder} yet; create one with \`kq make:job ${creatableName(job)}\``
        : `${suggestion ? `did you mean ${suggestion}? Known` : 'known'} jobs in ${folder}: ${listNames(known)}`
    super(`unknown job ${quoteName(job)}: ${hint}`, ExitCode.Usage)
    if (suggestion !== undefined) this.suggestion = suggestion
    this.details = {job, jobsDir: dir, known: [...known], ...(suggestion !== undefined && {suggestion})}
  }
}

/**
 * A job file that exists but cannot serve as a job: it fails to compile, throws while loading,
 * exports no job class, or exports one under another name. Exit 1, as any Node program whose
 * code throws: the fault is in the application's code, so neither retyping the command (2) nor
 * changing .env (4) would help; the message names the file to fix.
 */
export class JobLoadError extends KqError {
  override name = 'JobLoadError'

  constructor(
    readonly job: string,
    readonly file: string,
    message: string,
    options?: {cause?: unknown},
  ) {
    super(message, ExitCode.Failure, options)
    this.details = {job, file}
  }
}

/**
 * A name from a message, quoted for a one-line message: escaped so that it cannot break the
 * line or send control sequences to a terminal, and cut short when long.
 */
export function quoteName(name: string): string {
  const short = name.length > 60 ? `${name.slice(0, 60)}…` : name
  return JSON.stringify(short).replaceAll(
    /[\u007F-\u009F\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g,
    (char) => `\\u${char.codePointAt(0)!.toString(16).padStart(4, '0')}`,
  )
}

/** The name to offer to `kq make:job`: the one asked for when it is a valid name, else a placeholder. */
function creatableName(job: string): string {
  return checkJobName(job).ok ? job : '<Name>'
}

function listNames(names: readonly string[]): string {
  const listed = names.slice(0, MAX_LISTED_JOBS).join(', ')
  return names.length > MAX_LISTED_JOBS ? `${listed} and ${names.length - MAX_LISTED_JOBS} more` : listed
}
