import {readFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

import {type Jiti} from 'jiti'

import {errorMessage} from '../errors.js'
import {displayPath} from '../text/paths.js'
import {importCompiledJob, storeCompiledJob} from './compiled-jobs.js'
import {JobLoadError, quoteName} from './job-errors.js'
import {type JobClass, isJobClass, jobNameOf} from './job.js'

/**
 * Loading one job file and checking the class it exports: JavaScript through Node, TypeScript
 * through jiti with no build step, each refused before it runs unless its source declares a
 * subclass. The registry decides which file a name means; this module only loads it.
 */

let jiti: Jiti | undefined

/**
 * One jiti for the process, made on the first load: commands that never load a job (and
 * `kq --help`) do not pay for it. Its file cache keeps compiled TypeScript between runs.
 * Required rather than imported: jiti is CommonJS, and an import has Node scan its 190 KB for
 * export names first, which took longer than the rest of loading it.
 */
function loader(): Jiti {
  jiti ??= requireJiti().createJiti(import.meta.url, {fsCache: true, interopDefault: true})
  return jiti
}

function requireJiti(): typeof import('jiti') {
  return createRequire(import.meta.url)('jiti') as typeof import('jiti')
}

/**
 * JavaScript loads through Node itself, fastest and with the application's own module rules;
 * TypeScript, and JavaScript that Node cannot parse as it stands (ESM syntax in a CommonJS
 * package), through jiti. Only a syntax error falls back: a file that throws while running is
 * never run twice. A TypeScript job that kq has compiled before loads without jiti (see
 * compiled-jobs.ts); one that has not is compiled for next time once jiti has loaded it.
 */
async function importJobFile(file: string, source: string): Promise<unknown> {
  if (/\.[cm]?js$/.test(file)) {
    try {
      return await import(pathToFileURL(file).href)
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error
    }
  }

  const compiled = await importCompiledJob(file, source)
  if (compiled !== undefined) return compiled.exports
  const exports = await loader().import(file)
  storeCompiledJob(file, source, requireJiti)
  return exports
}

/**
 * A class that extends another, as every job class does (`class SendEmail extends Job`, or as tsc
 * compiles it, `extends kq_1.Job`). Read from the source, before anything of it runs.
 */
const SUBCLASS_DECLARATION = /\bclass\s+[\p{L}\p{N}_$]+\s+extends\b/u

export async function loadJobClass(name: string, file: string): Promise<JobClass> {
  const shown = displayPath(file)
  // The name comes from a message, which anyone able to write to the topic controls: a file of
  // the folder that is not a job (a helper, a script, a config module) must not be run for it.
  const source = await readSource(file)
  if (!SUBCLASS_DECLARATION.test(source)) {
    throw new JobLoadError(name, file, `${shown} does not export a job class: export default class ${name} extends Job`)
  }

  let exports: unknown
  try {
    exports = await importJobFile(file, source)
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
