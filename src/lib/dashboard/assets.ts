import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {packageFile} from '../package-files.js'

/**
 * The page's files: kq's own (assets/dashboard in the package) and the browser builds of the
 * libraries it uses, read from their installed packages. Nothing is fetched at run time.
 */

/** The page's own files, in the package's assets/ folder. */
const PAGE_DIR = packageFile('assets', 'dashboard')

/** Served at /vendor/<name>: each library's browser build, resolved the way Node resolves it. */
const VENDOR: Record<string, string> = {
  'preact.mjs': 'preact',
  'hooks.mjs': 'preact/hooks',
  'htm.mjs': 'htm',
  'uPlot.iife.min.js': 'uplot/dist/uPlot.iife.min.js',
  'uPlot.min.css': 'uplot/dist/uPlot.min.css',
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
}

export interface Asset {
  body: string
  type: string
}

export interface PageAssets {
  /** By URL path: `/`, `/app.js`, `/vendor/preact.mjs` ... */
  files: Map<string, Asset>
  /** The Content-Security-Policy that lets in this page's scripts and nothing else. */
  policy: string
}

/** Reads every file once, at start: a missing one fails the start, not a page view. */
export function loadPageAssets(): PageAssets {
  const files = new Map<string, Asset>()
  const add = (urlPath: string, file: string) => files.set(urlPath, {body: readFileSync(file, 'utf8'), type: TYPES[file.split('.').pop()!] ?? 'text/plain'})
  for (const name of ['index.html', 'app.js', 'common.js', 'batches.js', 'charts.js', 'app.css']) add(name === 'index.html' ? '/' : `/${name}`, path.join(PAGE_DIR, name))
  for (const [name, specifier] of Object.entries(VENDOR)) add(`/vendor/${name}`, fileURLToPath(import.meta.resolve(specifier)))
  // The import map is the page's one inline script: allowed by its hash, so that no injected one runs.
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(files.get('/')!.body)?.[1] ?? ''
  const hash = createHash('sha256').update(importMap).digest('base64')
  const policy = `default-src 'self'; script-src 'self' 'sha256-${hash}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'none'`
  return {files, policy}
}
