import {readFile, readdir} from 'node:fs/promises'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

import {type Jiti} from 'jiti'

import {MAX_JOB_NAME_LENGTH} from '../envelope/index.js'
import {ConfigError, ExitCode, KqError, errorMessage} from '../errors.js'
import {closest} from '../text/closest.js'
import {displayPath} from '../text/paths.js'
import {JOB_FILE_EXTENSIONS, parseJobFileName} from './files.js'
import {type JobClass, isJobClass, jobNameOf} from './job.js'
import {checkJobName} from './scaffold.js'

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
 * The jobs of one folder, found by class name. Scanning only lists file names; a job's file is
 * loaded on first use (TypeScript included, through jiti, with no build step) and kept, so a
 * worker loads each job once, as a Laravel worker keeps the classes it loaded until restarted.
 * A file that failed to load is not tried again either: fix it and restart the worker.
 *
 * A name is only ever looked up among the files found by the scan, never joined to the folder's
 * path: a job name comes from a Kafka message, which anyone able to write to the topic controls.
 * For the same reason a file runs only when its source declares a subclass, as a job file does.
 */
export class JobRegistry {
  private readonly loads = new Map<string, Promise<JobClass>>()
  /** The classes loaded so far: a worker finds its job's class without waiting on a promise. */
  private readonly loaded = new Map<string, JobClass>()

  private constructor(
    /** The jobs folder, absolute. */
    readonly dir: string,
    private readonly files: ReadonlyMap<string, string>,
  ) {}

  /**
   * Lists the job files directly in `dir` (see files.ts for what counts as one). A folder that
   * does not exist yet holds no jobs: a new application has none until `kq make:job`.
   */
  static async scan(dir: string): Promise<JobRegistry> {
    const root = path.resolve(dir)
    const found = new Map<string, {file: string; rank: number}>()
    for (const entry of await listFolder(root)) {
      if (!entry.isFile() && !entry.isSymbolicLink()) continue
      const parsed = parseJobFileName(entry.name)
      if (parsed === undefined) continue
      const rank = JOB_FILE_EXTENSIONS.indexOf(parsed.extension)
      const existing = found.get(parsed.name)
      if (existing === undefined || rank < existing.rank) {
        found.set(parsed.name, {file: path.join(root, entry.name), rank})
      }
    }

    const files = new Map([...found].sort(([a], [b]) => compare(a, b)).map(([name, {file}]) => [name, file]))
    return new JobRegistry(root, files)
  }

  /** Every job's name, sorted. */
  names(): string[] {
    return [...this.files.keys()]
  }

  has(name: string): boolean {
    return this.files.has(name)
  }

  /** The file that holds the job, absolute; undefined for an unknown name. */
  fileOf(name: string): string | undefined {
    return this.files.get(name)
  }

  /**
   * The job's class, loaded on first call and checked: the file must export it (as default, or
   * under the file's name) and its name must be the file's. Throws UnknownJobError for a name
   * the folder does not have, JobLoadError for a file that fails any of that.
   */
  async load(name: string): Promise<JobClass> {
    const file = this.files.get(name)
    if (file === undefined) throw new UnknownJobError(name, this.dir, this.names())
    let loading = this.loads.get(name)
    if (loading === undefined) {
      loading = loadJobClass(name, file)
      this.loads.set(name, loading)
      void loading.then((jobClass) => this.loaded.set(name, jobClass), () => {})
    }

    return loading
  }

  /** The job's class if an earlier load() finished with it; undefined otherwise (call load()). */
  loadedClass(name: string): JobClass | undefined {
    return this.loaded.get(name)
  }
}

/** What a worker says when its jobs folder holds no job: every job it takes would be unknown. */
export function noJobsWarning(dir: string): string {
  return `no jobs in ${displayPath(dir)} (KQ_JOBS_DIR): every job will be retried as unknown for --unknown-job-grace, then dead-lettered; is the worker in the application's folder?`
}

async function listFolder(root: string) {
  try {
    return await readdir(root, {withFileTypes: true})
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return []
    const shown = displayPath(root)
    if (code === 'ENOTDIR') {
      throw new ConfigError(
        `the jobs folder ${shown} is not a folder: set KQ_JOBS_DIR or --jobs-dir to the folder of your job classes`,
      )
    }

    throw new KqError(`cannot read the jobs folder ${shown}: ${errorMessage(error)}`, ExitCode.Failure, {cause: error})
  }
}

let jiti: Promise<Jiti> | undefined

/**
 * One jiti for the process, made on the first load: commands that never load a job (and
 * `kq --help`) do not pay for it. Its file cache keeps compiled TypeScript between runs.
 */
function loader(): Promise<Jiti> {
  jiti ??= import('jiti').then(({createJiti}) => createJiti(import.meta.url, {fsCache: true, interopDefault: true}))
  return jiti
}

/**
 * JavaScript loads through Node itself, fastest and with the application's own module rules;
 * TypeScript, and JavaScript that Node cannot parse as it stands (ESM syntax in a CommonJS
 * package), through jiti. Only a syntax error falls back: a file that throws while running is
 * never run twice.
 */
async function importJobFile(file: string): Promise<unknown> {
  if (/\.[cm]?js$/.test(file)) {
    try {
      return await import(pathToFileURL(file).href)
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error
    }
  }

  return (await loader()).import(file)
}

/**
 * A class that extends another, as every job class does (`class SendEmail extends Job`, or as tsc
 * compiles it, `extends kq_1.Job`). Read from the source, before anything of it runs.
 */
const SUBCLASS_DECLARATION = /\bclass\s+[\p{L}\p{N}_$]+\s+extends\b/u

async function loadJobClass(name: string, file: string): Promise<JobClass> {
  const shown = displayPath(file)
  // The name comes from a message, which anyone able to write to the topic controls: a file of
  // the folder that is not a job (a helper, a script, a config module) must not be run for it.
  if (!SUBCLASS_DECLARATION.test(await readSource(file))) {
    throw new JobLoadError(name, file, `${shown} does not export a job class: export default class ${name} extends Job`)
  }

  let exports: unknown
  try {
    exports = await importJobFile(file)
  } catch (error) {
    const where = lineOf(error, file)
    const reason = `${firstLine(error)}${where === undefined ? '' : ` (line ${where})`}${kqMissingHint(error)}`
    throw new JobLoadError(name, file, `cannot load job ${name} from ${shown}: ${reason}`, {cause: error})
  }

  const jobClass = exportedJobClass(exports, name)
  if (jobClass === undefined) {
    throw new JobLoadError(name, file, `${shown} does not export a job class: export default class ${name} extends Job`)
  }

  const exportedName = jobNameOf(jobClass)
  if (exportedName !== name) {
    throw new JobLoadError(
      name,
      file,
      `${shown} exports job ${quoteName(exportedName)}, but a job is found by its file's name: ` +
        `name the class ${name}, or rename the file to ${exportedName}${path.extname(file)}`,
    )
  }

  return jobClass
}

async function readSource(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    throw new JobLoadError(path.parse(file).name, file, `cannot read ${displayPath(file)}: ${errorMessage(error)}`, {cause: error})
  }
}

/**
 * The job class among a module's exports: the default export, else a named export with the
 * file's name. The branded check (not `instanceof`) accepts classes that extend another copy
 * of kq's Job, as a job file imports the application's own kq.
 */
function exportedJobClass(exports: unknown, name: string): JobClass | undefined {
  if (isJobClass(exports)) return exports
  if (typeof exports !== 'object' || exports === null) return undefined
  const module = exports as Record<string, unknown>
  const candidates = [module.default, Object.hasOwn(module, name) ? module[name] : undefined]
  // CommonJS compiled from ES modules (tsc, Babel: `exports.default = class ...`): Node gives
  // the whole `module.exports` as the default export, so the class is one level further down.
  const commonJs = module.default
  if (typeof commonJs === 'object' && commonJs !== null) {
    const inner = commonJs as Record<string, unknown>
    candidates.push(inner.default, Object.hasOwn(inner, name) ? inner[name] : undefined)
  }

  return candidates.find((candidate) => isJobClass(candidate)) as JobClass | undefined
}

/**
 * What to do when a job file cannot find kq itself: job files import kq from the application's
 * own node_modules, so a kq run from elsewhere (a global install, `npm link`) is not enough.
 */
function kqMissingHint(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (module|package) /.test(errorMessage(error))
  if (!missing || !/['"]kq['"/]/.test(errorMessage(error))) return ''
  return ": the application must have kq installed: in its folder, run `npm install <kq's folder, or the .tgz that npm pack makes there>`"
}

/** The first line of an error, for a one-line message; the rest (a code frame, a stack) stays in `cause`. */
function firstLine(error: unknown): string {
  const line = errorMessage(error)
    .split('\n')
    .map((each) => each.trim())
    .find((each) => each !== '')
  return line ?? String(error)
}

/** The line of `file` a compile error points at, when its message says (`<file>:2:0`). */
function lineOf(error: unknown, file: string): number | undefined {
  const message = errorMessage(error)
  const at = message.lastIndexOf(`${file}:`)
  if (at === -1) return undefined
  const match = /^:(\d+):\d+/.exec(message.slice(at + file.length))
  return match ? Number(match[1]) : undefined
}

/**
 * A name from a message, quoted for a one-line message: escaped so that it cannot break the
 * line or send control sequences to a terminal, and cut short when long.
 */
function quoteName(name: string): string {
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

// Plain code-unit order, so that names() is the same on every machine whatever its locale.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
