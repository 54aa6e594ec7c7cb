// Build step, after tsc: bundles what runs at run time (the library's entry points, every command
// and hook) into dist/bundle, kq's own modules merged into a few shared chunks. Node then loads a
// handful of files where it loaded over a hundred, and module loading was most of a short
// command's time (`kq dispatch` spent more in it than on Kafka). Packages stay external, so each
// is loaded only by the commands that use it, and once; the chunks are split by who uses them,
// so a command loads no code it cannot reach. Types and tests keep using dist/src.
import {readdirSync} from 'node:fs'
import path from 'node:path'

import {build} from 'esbuild'

const compiled = new URL('../dist/src/', import.meta.url).pathname

/** Every .js file under a compiled folder. */
function scripts(folder) {
  return readdirSync(path.join(compiled, folder), {recursive: true, withFileTypes: true})
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name))
}

await build({
  entryPoints: [
    path.join(compiled, 'index.js'),
    path.join(compiled, 'testing.js'),
    path.join(compiled, 'shared', 'fast-dispatch.js'),
    ...scripts('commands'),
    ...scripts('hooks'),
  ],
  outbase: compiled,
  outdir: new URL('../dist/bundle/', import.meta.url).pathname,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
})
