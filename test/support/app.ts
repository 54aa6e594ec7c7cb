import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {REPO_ROOT} from './paths.js'

/**
 * A throwaway application that uses kq as a real one does: a `"type": "module"` package whose
 * `node_modules/kq` is this repository (a symlink, so it imports the built dist/), with job files
 * in `src/jobs` that `import {Job} from 'kq'`.
 */
export interface TestApp {
  /** The application's folder, absolute. */
  root: string
  /** Its jobs folder, `<root>/src/jobs`. */
  jobsDir: string
  /** Writes a job file: `Name` becomes `Name.ts`; a key with an extension is used as the file name. */
  writeJob(name: string, source: string): string
  /** Deletes the application. */
  remove(): void
}

export interface TestAppOptions {
  /** Job files to write, as for writeJob. */
  jobs?: Record<string, string>
  /** Other files, by path relative to the application's folder. */
  files?: Record<string, string>
}

export function makeTestApp(options: TestAppOptions = {}): TestApp {
  const root = mkdtempSync(path.join(os.tmpdir(), 'kq-app-'))
  const jobsDir = path.join(root, 'src', 'jobs')
  writeFileSync(path.join(root, 'package.json'), `${JSON.stringify({name: 'kq-test-app', private: true, type: 'module'}, null, 2)}\n`)
  mkdirSync(path.join(root, 'node_modules'), {recursive: true})
  // 'junction' is ignored except on Windows, where it needs no special rights.
  symlinkSync(REPO_ROOT, path.join(root, 'node_modules', 'kq'), 'junction')

  const app: TestApp = {
    root,
    jobsDir,
    writeJob(name, source) {
      const file = path.join(jobsDir, path.extname(name) === '' ? `${name}.ts` : name)
      mkdirSync(path.dirname(file), {recursive: true})
      writeFileSync(file, source)
      return file
    },
    remove() {
      // rmSync does not follow the node_modules/kq link: the repository stays.
      rmSync(root, {recursive: true, force: true})
    },
  }

  for (const [name, source] of Object.entries(options.jobs ?? {})) app.writeJob(name, source)
  for (const [file, contents] of Object.entries(options.files ?? {})) {
    mkdirSync(path.dirname(path.join(root, file)), {recursive: true})
    writeFileSync(path.join(root, file), contents)
  }

  return app
}

/**
 * The source of a minimal job that extends kq's Job: TypeScript by default. `body` replaces the
 * class body (a `handle` that returns the payload).
 */
export function jobSource(name: string, options: {body?: string; language?: 'ts' | 'js'} = {}): string {
  const typed = (options.language ?? 'ts') === 'ts'
  const signature = typed ? 'async handle(payload: unknown): Promise<unknown>' : 'async handle(payload)'
  const body = options.body ?? `  ${signature} {\n    return payload\n  }`
  return `import {Job} from 'kq'\n\nexport default class ${name} extends Job {\n${body}\n}\n`
}
