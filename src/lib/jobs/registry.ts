import {readdir} from 'node:fs/promises'
import path from 'node:path'

import {ConfigError, ExitCode, KqError, errorMessage} from '../errors.js'
import {displayPath} from '../text/paths.js'
import {JOB_FILE_EXTENSIONS, notAFolderError, parseJobFileName} from './files.js'
import {UnknownJobError} from './job-errors.js'
import {loadJobClass} from './job-loader.js'
import {type JobClass} from './job.js'

export {JobLoadError, UnknownJobError} from './job-errors.js'

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
    if (code === 'ENOTDIR') throw notAFolderError(root)

    throw new KqError(`cannot read the jobs folder ${shown}: ${errorMessage(error)}`, ExitCode.Failure, {cause: error})
  }
}

// Plain code-unit order, so that names() is the same on every machine whatever its locale.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
