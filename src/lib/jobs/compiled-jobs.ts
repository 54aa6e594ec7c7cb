import {createHash} from 'node:crypto'
import {existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync} from 'node:fs'
import {isBuiltin} from 'node:module'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {type Jiti} from 'jiti'

/**
 * kq's cache of TypeScript jobs compiled to plain ES modules, which Node imports with no jiti:
 * loading jiti was most of what a one-shot `kq dispatch` of a .ts job cost over a .js one.
 *
 * A job is compiled by jiti's own transform, with its one step to CommonJS left out, and only
 * after jiti has loaded it once: a file that does not compile or throws is never cached. It is
 * cached only when running it as an ES module cannot differ from running it through jiti: it
 * imports nothing but kq and Node's built-in modules (relative imports, other packages and
 * import() go through jiti, with its resolution and interop), and uses none of what jiti's
 * CommonJS wrapper gives (require, module, exports, __dirname, __filename, a top-level `this`).
 * Its key holds the source, the file, the kq package it finds and jiti's package.json, so an
 * edited job, or one that now finds another kq, or a new jiti, compiles again.
 */

/** Bumped when what this module writes changes, so that older files are never read. */
const FORMAT = 2

/** Names that jiti's CommonJS wrapper binds and an ES module does not have. */
const WRAPPER_NAMES = new Set(['require', 'module', 'exports', '__filename', '__dirname', 'arguments', 'eval', 'jitiImport', 'jitiESMResolve'])

const CACHEABLE = /\.m?ts$/

/**
 * The job's module from the cache, or undefined when it is not there (or not cacheable): then
 * load it through jiti and call storeCompiledJob. An error here is the job's own (it throws
 * while running): the caller must not load the file again.
 */
export async function importCompiledJob(file: string, source: string): Promise<{exports: unknown} | undefined> {
  const cached = compiledFile(file, source)
  if (cached === undefined || !existsSync(cached)) return undefined
  try {
    return {exports: await import(pathToFileURL(cached).href)}
  } catch (error) {
    // Removed since (a cleaner of the temporary folder): nothing of the job has run.
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && !existsSync(cached)) return undefined
    throw error
  }
}

/**
 * Compiles a job that jiti has just loaded and caches it if it qualifies (see above). Best effort:
 * a job that does not qualify, or a cache that cannot be written, stays with jiti. One that does
 * not qualify is marked as such, so that later loads do not compile it again: that loads Babel,
 * which jiti's own cache spares them.
 */
export function storeCompiledJob(file: string, source: string, loadJiti: () => typeof import('jiti')): void {
  try {
    const cached = compiledFile(file, source, {create: true})
    if (cached === undefined || existsSync(cached) || existsSync(notCompiled(cached))) return
    const code = compileOrNot(file, source, loadJiti)
    // Written whole, then renamed: a process loading the job at the same time sees all of it or none.
    const partial = `${cached}.${process.pid}.tmp`
    writeFileSync(partial, code ?? '', {mode: 0o600})
    renameSync(partial, code === undefined ? notCompiled(cached) : cached)
  } catch {
    // The cache only saves time: the job has loaded, through jiti.
  }
}

const notCompiled = (cached: string) => cached.replace(/\.mjs$/, '.jiti')

/** A jiti whose transform fails here (one kq does not know) leaves the job to jiti, marked as such. */
function compileOrNot(file: string, source: string, loadJiti: () => typeof import('jiti')): string | undefined {
  try {
    return compile(file, source, loadJiti)
  } catch {
    return undefined
  }
}

/** Where the job's compiled form is (or goes); undefined for a job that is never cached. */
export function compiledFile(file: string, source: string, {create = false} = {}): string | undefined {
  if (!CACHEABLE.test(file)) return undefined
  const dir = cacheDir(create)
  if (dir === undefined) return undefined
  const kq = findPackage(path.dirname(file), 'kq')
  const key = createHash('sha256')
    .update(JSON.stringify([FORMAT, file, jitiManifest(), kq?.dir ?? null, kq?.manifest ?? null]))
    .update(source)
    .digest('hex')
    .slice(0, 32)
  return path.join(dir, `${path.parse(file).name}.${key}.mjs`)
}

/**
 * A folder of this user's alone: whatever is in it runs, so one that another user could write
 * to (made before ours in a shared temporary folder) is not used.
 */
function cacheDir(create: boolean): string | undefined {
  const uid = process.getuid?.()
  const dir = path.join(os.tmpdir(), uid === undefined ? 'kq-jobs' : `kq-jobs-${uid}`)
  if (create) mkdirSync(dir, {recursive: true, mode: 0o700})
  try {
    const stat = lstatSync(dir)
    if (!stat.isDirectory() || (uid !== undefined && (stat.uid !== uid || (stat.mode & 0o077) !== 0))) return undefined
  } catch {
    return undefined
  }

  return dir
}

/**
 * The package `name` as Node's lookup finds it from `dir`, the first `node_modules/<name>` on the
 * way up (its real folder and its package.json), or undefined. Looked for here rather than with
 * require.resolve, whose first call in a process took longer than the rest of loading the job.
 */
function findPackage(dir: string, name: string): {dir: string; manifest: string} | undefined {
  for (let at = dir; ; at = path.dirname(at)) {
    if (path.basename(at) !== 'node_modules') {
      const folder = path.join(at, 'node_modules', name)
      try {
        return {manifest: readFileSync(path.join(folder, 'package.json'), 'utf8'), dir: realpathSync(folder)}
      } catch {
        // Not installed here: Node looks in the folder above.
      }
    }

    if (path.dirname(at) === at) return undefined
  }
}

let jitiPackage: {manifest: string} | undefined

/** jiti's package.json, which says which jiti compiled a job: kq's own, found as kq finds it. */
function jitiManifest(): string {
  jitiPackage ??= findPackage(path.dirname(fileURLToPath(import.meta.url)), 'jiti') ?? {manifest: 'not found'}
  return jitiPackage.manifest
}

/** The job as an ES module, its `import 'kq'` pointing at the kq it found; undefined if it does not qualify. */
function compile(file: string, source: string, loadJiti: () => typeof import('jiti')): string | undefined {
  // Its own jiti: a shared one with a file cache would answer with its CommonJS output.
  const jiti: Jiti = loadJiti().createJiti(import.meta.url, {fsCache: false, moduleCache: false})
  // The file jiti imports for the job's 'kq', which must be of the kq package the key names.
  const kqPackage = findPackage(path.dirname(file), 'kq')
  const resolved = jiti.esmResolve('kq', {parentURL: pathToFileURL(file).href, try: true})
  if (kqPackage === undefined || resolved === undefined) return undefined
  const kq = realpathSync(resolved.startsWith('file:') ? fileURLToPath(resolved) : resolved)
  if (!kq.startsWith(kqPackage.dir + path.sep)) return undefined
  let qualifies = true
  const checks = {
    name: 'kq-compiled-job',
    visitor: {Program: {exit: (program: BabelPath) => (qualifies = checkProgram(program, kq))}},
  }
  const code = jiti.transform({
    source,
    filename: file,
    ts: true,
    async: true,
    interopDefault: true,
    babel: {
      plugins: [() => checks],
      // jiti's transform is ours but for its last step, to CommonJS, which is what needs jiti to run.
      wrapPluginVisitorMethod: (plugin: string, _type: string, visit: unknown) => (plugin === 'transform-modules-commonjs' ? () => {} : visit),
    },
  })
  // A compile error comes back as CommonJS that throws it, as would a jiti whose transform changed.
  if (!qualifies || /\b(jitiImport|exports|require)\b/.test(code)) return undefined
  // Stack traces name the job's own file, as through jiti, not the cache's (the lines are the
  // source's, as jiti keeps them). A path that would end the comment is not cached.
  if (/[\n\r\u2028\u2029]/.test(file)) return undefined
  return `${code}\n//# sourceURL=${file}\n`
}

/** What kq uses of Babel's NodePath, which jiti's transform hands to its plugins. */
interface BabelPath {
  node: {type: string; source?: {value: string} | null; name?: string}
  scope: {crawl(): void; globals: Record<string, unknown>}
  traverse(visitor: Record<string, (path: BabelPath) => void>): void
  findParent(test: (path: BabelPath) => boolean): BabelPath | null
  isFunction(): boolean
  isArrowFunctionExpression(): boolean
  isClass(): boolean
}

/** Whether the compiled program runs alike as an ES module; rewrites its 'kq' imports to `kq`'s file. */
function checkProgram(program: BabelPath, kq: string): boolean {
  program.scope.crawl()
  let qualifies = !Object.keys(program.scope.globals).some((name) => WRAPPER_NAMES.has(name))
  const refuse = () => {
    qualifies = false
  }

  const checkSource = (declaration: BabelPath) => {
    const from = declaration.node.source
    if (from === undefined || from === null) return
    if (from.value === 'kq') from.value = pathToFileURL(kq).href
    else if (!isBuiltin(from.value)) refuse()
  }

  program.traverse({
    ImportDeclaration: checkSource,
    ExportNamedDeclaration: checkSource,
    ExportAllDeclaration: checkSource,
    Import: refuse,
    ImportExpression: refuse,
    MetaProperty: refuse,
    ThisExpression(self) {
      if (self.findParent((each) => (each.isFunction() && !each.isArrowFunctionExpression()) || each.isClass()) === null) refuse()
    },
  })
  return qualifies
}
