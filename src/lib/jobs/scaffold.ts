import {constants} from 'node:fs'
import {lstat, mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {MAX_JOB_NAME_LENGTH} from '../envelope/index.js'
import {KqError, UsageError} from '../errors.js'
import {displayPath} from '../text/paths.js'
import {JOB_FILE_EXTENSIONS, JOB_NAME_PATTERN, type JobFileExtension, notAFolderError} from './files.js'
import {schemaLines} from './scaffold-schema.js'

/**
 * What `kq make:job` needs: the rules for a job's name, the text of a new job file, and a careful
 * write of it. Only writeJobFile touches the disk.
 */

export type JobNameCheck = {ok: true} | {ok: false; problem: string; suggestion?: string}

// Words a class cannot be named in a module (strict mode), and `arguments`/`eval`, which strict
// mode forbids as binding names.
const RESERVED_WORDS = new Set(
  (
    'await break case catch class const continue debugger default delete do else enum export extends false finally ' +
    'for function if implements import in instanceof interface let new null package private protected public return ' +
    'static super switch this throw true try typeof var void while with yield arguments eval'
  ).split(' '),
)

// The names a new job file imports from kq: a class named after one would clash with the import.
const TEMPLATE_IMPORTS = new Set(['Job', 'JobContext', 'StandardSchemaV1'])

// Built-ins a job's code (and the template: Promise, String) relies on; a class of the same name
// would hide them in the whole file, so that `new Error()` or `Promise<void>` meant the job.
const BUILT_INS = new Set(
  (
    'AbortController AbortSignal AggregateError Array ArrayBuffer Atomics BigInt Boolean Buffer DataView Date Error ' +
    'EvalError FinalizationRegistry Function Infinity Intl JSON Map Math NaN Number Object Promise Proxy RangeError ' +
    'ReferenceError Reflect RegExp Set SharedArrayBuffer String Symbol SyntaxError TextDecoder TextEncoder TypeError ' +
    'URIError URL URLSearchParams WeakMap WeakRef WeakSet'
  ).split(' '),
)

const EXAMPLE_NAME = 'SendWelcomeEmail'

/**
 * Whether `name` can name a new job: a PascalCase identifier (it becomes the class name and the
 * file name) that hides nothing the job's file needs. A refusal says why, with a corrected name
 * when one is plain to see (`my-job` → `MyJob`).
 */
export function checkJobName(name: string): JobNameCheck {
  const quoted = JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name)
  if (name.trim() === '') {
    return {ok: false, problem: `job name cannot be empty: give a PascalCase class name such as ${EXAMPLE_NAME}`}
  }

  if (name.length > MAX_JOB_NAME_LENGTH) {
    return {ok: false, problem: `job name ${quoted} is ${name.length} characters long: at most ${MAX_JOB_NAME_LENGTH}`}
  }

  if (/[/\\]/.test(name) || name === '.' || name === '..') {
    return {
      ok: false,
      problem: `job name ${quoted} must be a class name, not a path: choose the folder with --jobs-dir or KQ_JOBS_DIR`,
    }
  }

  const extension = JOB_FILE_EXTENSIONS.find((each) => name.endsWith(each) && name.length > each.length)
  if (extension !== undefined) {
    return refusal(name, `job name ${quoted} must be a class name, without a file extension`, name.slice(0, -extension.length))
  }

  if (RESERVED_WORDS.has(name)) {
    return refusal(name, `job name ${quoted} is a reserved word in JavaScript`, pascalCase(name))
  }

  const instead = 'choose a more specific name'
  if (TEMPLATE_IMPORTS.has(name)) {
    return {ok: false, problem: `job name ${quoted} would hide kq's ${name}, which the job's file imports: ${instead}`}
  }

  if (BUILT_INS.has(name)) {
    return {ok: false, problem: `job name ${quoted} would hide JavaScript's own ${name} in the job's file: ${instead}`}
  }

  if (!JOB_NAME_PATTERN.test(name)) {
    const suggestion = pascalCase(name)
    const rule = 'a capital letter first, then letters and digits only'
    const check = refusal(name, `job name ${quoted} must be a PascalCase class name`, suggestion)
    return check.ok || check.suggestion !== undefined ? check : {ok: false, problem: `${check.problem}: ${rule}`}
  }

  return {ok: true}
}

/** The one-line message for a refused name: the problem, and the corrected name when there is one. */
export function describeJobNameProblem(check: Exclude<JobNameCheck, {ok: true}>): string {
  return check.suggestion === undefined ? check.problem : `${check.problem}: try ${check.suggestion}`
}

function refusal(name: string, problem: string, suggestion: string | undefined): Exclude<JobNameCheck, {ok: true}> {
  // Offer only a name that would itself be accepted (and, checking it, never the same name again).
  const offered = suggestion !== undefined && suggestion !== name && checkJobName(suggestion).ok
  return offered ? {ok: false, problem, suggestion} : {ok: false, problem}
}

/**
 * `my-job`, `my_job`, `send email`, `sendEmail` → `MyJob`, `MyJob`, `SendEmail`, `SendEmail`.
 * Undefined when the name holds anything but ASCII letters, digits and separators: dropping
 * characters would give a name the user did not mean.
 */
function pascalCase(name: string): string | undefined {
  if (!/^[\sA-Za-z0-9_.-]+$/.test(name)) return undefined
  // A name in capitals (SEND_EMAIL) reads as words, not as an acronym per word.
  const shouting = !/[a-z]/.test(name)
  const words = name.split(/[\s_.-]+/).filter((word) => word !== '')
  const joined = words
    .map((word) => (shouting ? word.toLowerCase() : word))
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join('')
  return joined === '' ? undefined : joined
}

export interface JobTemplateOptions {
  /** Class name, also the file name; must pass checkJobName. */
  name: string
  /** Attempts in all before the job is dead-lettered. @defaultValue 3 */
  tries?: number
  /** Queue that dispatch() sends to when the caller names none. @defaultValue none: KAFKA_QUEUE decides */
  queue?: string
  /** Seconds an attempt may run. @defaultValue 60 */
  timeout?: number
  /** Adds a hand-written payload schema. @defaultValue false */
  schema?: boolean
}

/** Defaults of a new job: those of the example in Laravel's queue guide. */
export const JOB_TEMPLATE_DEFAULTS = {tries: 3, backoff: [1, 5, 10], timeout: 60} as const

/** The words of a new job that do not depend on its language, so the TypeScript and JavaScript templates tell one story. */
export const JOB_TEMPLATE_TEXT = {
  tries: '  // Attempts in all before the job goes to the dead-letter topic (wins over `kq work --tries`).',
  backoff: "  // Seconds before each retry; the last value repeats (Laravel's rule).",
  timeout: '  // Seconds an attempt may run before it is aborted and counted as failed.',
  handle: [
    '    // ctx.signal aborts at the timeout: hand it to whatever waits (fetch(url, {signal: ctx.signal}),',
    '    // a database query), so that an attempt that timed out stops instead of running on.',
    '    ctx.signal.throwIfAborted()',
    '    ctx.log(`processed ${payload.data}`)',
  ],
  failed: '  // Runs once, after the last failed attempt, when the job is dead-lettered.',
  failedBody: '    ctx.log(`failed for good: ${String(error)}`)',
} as const

/**
 * The TypeScript source of a new job. It compiles under `strict` and `noImplicitOverride`;
 * `override` on the options also makes the compiler catch a misspelt one (`tires = 3`), which
 * would otherwise be a silently ignored property.
 */
export function renderJobTemplate(options: JobTemplateOptions): string {
  const {name, queue} = options
  const check = checkJobName(name)
  if (!check.ok) throw new UsageError(describeJobNameProblem(check))
  const tries = positive(options.tries ?? JOB_TEMPLATE_DEFAULTS.tries, 'tries')
  const timeout = positive(options.timeout ?? JOB_TEMPLATE_DEFAULTS.timeout, 'timeout')
  const payload = `${name}Payload`
  const queueLines =
    queue === undefined
      ? []
      : ['  // Queue that dispatch() sends to when the caller names none.', `  override queue = ${singleQuoted(queue)}`]
  return [
    options.schema ? "import {Job, type JobContext, type StandardSchemaV1} from 'kq'" : "import {Job, type JobContext} from 'kq'",
    '',
    `/** What ${name} receives: the JSON given to dispatch. */`,
    `export interface ${payload} {`,
    '  data: string',
    '}',
    '',
    `export default class ${name} extends Job<${payload}> {`,
    ...queueLines,
    JOB_TEMPLATE_TEXT.tries,
    `  override tries = ${tries}`,
    JOB_TEMPLATE_TEXT.backoff,
    `  override backoff = [${JOB_TEMPLATE_DEFAULTS.backoff.join(', ')}]`,
    JOB_TEMPLATE_TEXT.timeout,
    `  override timeout = ${timeout}`,
    '',
    ...(options.schema ? schemaLines(name, {payloadType: payload}) : []),
    `  override async handle(payload: ${payload}, ctx: JobContext): Promise<void> {`,
    ...JOB_TEMPLATE_TEXT.handle,
    '  }',
    '',
    JOB_TEMPLATE_TEXT.failed,
    `  override async failed(payload: ${payload}, error: unknown, ctx: JobContext): Promise<void> {`,
    JOB_TEMPLATE_TEXT.failedBody,
    '  }',
    '}',
    '',
  ].join('\n')
}

function positive(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`${what} must be a positive integer, got ${value}`)
  return value
}

function singleQuoted(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n')}'`
}

/**
 * Writes `<dir>/<name>.ts` (or `.js`), creating the folder if needed, and returns the file's path. Refuses
 * to replace an existing job of that name (any extension) unless `force`, and even then only a
 * plain file, never through a symbolic link. However `name` was checked, the file is placed only
 * if its folder is exactly `dir`.
 */
export async function writeJobFile(
  dir: string,
  name: string,
  contents: string,
  options: {force?: boolean; extension?: '.ts' | '.js'} = {},
): Promise<string> {
  const check = checkJobName(name)
  if (!check.ok) throw new UsageError(describeJobNameProblem(check))
  const root = path.resolve(dir)
  const extension = options.extension ?? '.ts'
  const file = path.resolve(root, `${name}${extension}`)
  if (path.dirname(file) !== root) {
    throw new KqError(`refusing to write ${file}: it is not directly in the jobs folder ${displayPath(root)}`)
  }

  await makeJobsFolder(root)
  const existing = await existingJobFiles(root, name)
  const blocking = options.force ? existing.filter((each) => each.file === file && !each.plain) : existing
  if (blocking.length > 0) throw alreadyExists(blocking[0], file, name)

  // Without force, O_EXCL fails if the file appeared since the check above: never a silent
  // overwrite. O_NOFOLLOW refuses a link put in its place (the flag does not exist on Windows).
  const {O_CREAT, O_EXCL, O_NOFOLLOW, O_TRUNC, O_WRONLY} = constants
  const flag = O_WRONLY | O_CREAT | (options.force ? O_TRUNC : O_EXCL) | (O_NOFOLLOW ?? 0)
  try {
    await writeFile(file, contents, {flag})
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST' || code === 'ELOOP') throw alreadyExists({file, plain: code === 'EEXIST'}, file, name)

    throw error
  }

  return file
}

/** Creates the jobs folder if needed; a file where it or a folder above it should be is a bad setting. */
async function makeJobsFolder(root: string): Promise<void> {
  try {
    await mkdir(root, {recursive: true})
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'EEXIST' && code !== 'ENOTDIR') throw error
    throw notAFolderError(root)
  }
}

function alreadyExists(existing: {file: string; plain: boolean}, file: string, name: string): UsageError {
  const shown = displayPath(existing.file)
  if (!existing.plain) return new UsageError(`${shown} already exists and is not a plain file: kq will not overwrite it`)
  if (existing.file === file) return new UsageError(`${shown} already exists: pass --force to overwrite it`)
  const rank = (each: string) => JOB_FILE_EXTENSIONS.indexOf(path.extname(each) as JobFileExtension)
  const loaded = rank(file) < rank(existing.file) ? 'which kq then loads instead' : `though kq goes on loading ${shown}`
  return new UsageError(`${shown} already holds job ${name}: pass --force to write ${path.basename(file)} beside it, ${loaded}`)
}

/** The files in `root` that would hold the job `name`, with whether each is a plain file. */
async function existingJobFiles(root: string, name: string): Promise<Array<{file: string; plain: boolean}>> {
  const found = []
  for (const extension of JOB_FILE_EXTENSIONS) {
    const file = path.join(root, `${name}${extension}`)
    const stats = await lstat(file).catch(() => undefined)
    if (stats !== undefined) found.push({file, plain: stats.isFile()})
  }

  return found
}
