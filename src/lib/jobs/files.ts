import {statSync} from 'node:fs'

import {MAX_JOB_NAME_LENGTH} from '../envelope/index.js'
import {ConfigError} from '../errors.js'
import {displayPath} from '../text/paths.js'

/**
 * How jobs live on disk, shared by the registry (which reads the folder) and the scaffold (which
 * writes to it): one job a file, directly in the jobs folder, the file named after the class.
 */

/** A job's name: a PascalCase identifier, which is its class name and its file's name too. */
export const JOB_NAME_PATTERN = /^[A-Z][A-Za-z0-9]*$/

/**
 * Extensions of job files, most preferred first. When one name has several files, the
 * TypeScript source wins: a `.js` beside a `.ts` is most often a stale build of it, and jiti
 * runs the `.ts` as it stands, so the file the user edits is the one that runs.
 */
export const JOB_FILE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'] as const

export type JobFileExtension = (typeof JOB_FILE_EXTENSIONS)[number]

// Built from the two rules above; `.d.ts`, `.test.ts` and `.spec.ts` files never match because
// the part before the extension would contain a dot.
const JOB_FILE_PATTERN = new RegExp(
  `^(${JOB_NAME_PATTERN.source.slice(1, -1)})(${JOB_FILE_EXTENSIONS.map((ext) => ext.replace('.', '\\.')).join('|')})$`,
)

/** The job a file of the jobs folder holds, judged by its name alone; undefined for any other file. */
export function parseJobFileName(fileName: string): {name: string; extension: JobFileExtension} | undefined {
  const match = JOB_FILE_PATTERN.exec(fileName)
  if (!match || match[1].length > MAX_JOB_NAME_LENGTH) return undefined
  return {name: match[1], extension: match[2] as JobFileExtension}
}

/** A jobs folder setting that names a file, or a path through one: for the registry and make:job alike. */
export function notAFolderError(root: string): ConfigError {
  return jobsFolderError(root, 'is not a folder')
}

/**
 * Refuses a jobs folder that was named on purpose (--jobs-dir, KQ_JOBS_DIR) and is not there: a
 * worker would take every job as unknown and dead-letter it once the grace is over, so a typo in
 * a process manager's program would turn a queue into dead letters.
 */
export function assertJobsFolder(root: string): void {
  let found
  try {
    found = statSync(root, {throwIfNoEntry: false})
  } catch {
    // A path through a file (ENOTDIR).
    throw notAFolderError(root)
  }

  if (found === undefined) throw jobsFolderError(root, 'does not exist')
  if (!found.isDirectory()) throw notAFolderError(root)
}

// One message for every way the setting can miss, so that each names the same remedy.
function jobsFolderError(root: string, problem: string): ConfigError {
  return new ConfigError(`the jobs folder ${displayPath(root)} ${problem}: set KQ_JOBS_DIR or --jobs-dir to the folder of your job classes`)
}
