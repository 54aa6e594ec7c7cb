/**
 * Preloaded with `node --import` by tests that check what a command loads: on exit it prints,
 * on stderr, how many files of each watched package were loaded, as CommonJS or as ES modules,
 * and how many files of kq's bundle.
 * A package bundled into kq (dist/bundle/packages.json says which file holds it) counts once for
 * each loaded file that holds it.
 */
import {existsSync, readFileSync} from 'node:fs'
import {createRequire, register} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {MessageChannel, receiveMessageOnPort} from 'node:worker_threads'

import {REPO_ROOT} from './paths.js'

const require = createRequire(import.meta.url)
const WATCHED = ['kafkajs', 'cli-table3', '@inquirer', '@oclif/core', 'prom-client', '@opentelemetry', 'hono', '@hono', 'preact', 'uplot']

// ES modules never enter require.cache: a loader hook reports each one it loads on this port,
// read synchronously at exit, when no event loop turn is left to deliver them.
const {port1, port2} = new MessageChannel()
register('./record-esm-loads.js', {parentURL: import.meta.url, data: {port: port2}, transferList: [port2]})
port1.unref()

const bundle = path.join(REPO_ROOT, 'dist', 'bundle')
const bundledPackages: Record<string, string[]> = existsSync(path.join(bundle, 'packages.json'))
  ? JSON.parse(readFileSync(path.join(bundle, 'packages.json'), 'utf8'))
  : {}

const pathOf = (file: string): string => (file.startsWith('file:') ? fileURLToPath(file) : file)

/** The packages a loaded file is, or holds: `node_modules/<name>/...`, or a bundle file's. */
function packagesOf(file: string): string[] {
  const filePath = pathOf(file)
  // The innermost node_modules: a package's own dependency is that dependency.
  const installed = [...filePath.matchAll(/\/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].at(-1)?.[1]
  if (installed !== undefined) return [installed]
  return filePath.startsWith(bundle + path.sep) ? (bundledPackages[path.relative(bundle, filePath)] ?? []) : []
}

process.on('exit', () => {
  const files = Object.keys(require.cache)
  for (let message = receiveMessageOnPort(port1); message; message = receiveMessageOnPort(port1)) files.push(String(message.message))
  const unique = [...new Set(files)]
  for (const name of WATCHED) {
    const count = unique.filter((file) => packagesOf(file).some((found) => found === name || found.startsWith(`${name}/`))).length
    process.stderr.write(`loaded ${name}: ${count}\n`)
  }

  // kq's own: Node spends about a millisecond on each module it loads, whatever its size.
  process.stderr.write(`loaded kq bundle files: ${unique.filter((file) => pathOf(file).startsWith(bundle + path.sep)).length}\n`)
})
