#!/usr/bin/env -S node --
// Development entry: compiles what changed in src/ (incremental tsc, a second or two), then runs
// the CLI. oclif's own TypeScript loading cannot handle ESM on Node 20, so compiling is simpler.
// After adding or renaming a command, run `npm run build` once to refresh oclif.manifest.json.
import {execFileSync} from 'node:child_process'
import {createRequire} from 'node:module'
import {fileURLToPath} from 'node:url'

import {execute} from '@oclif/core'

const root = fileURLToPath(new URL('..', import.meta.url))
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
execFileSync(process.execPath, [tsc, '-p', root], {stdio: 'inherit'})
// `kq` alone on a terminal opens the menu, as with bin/run.js (which says why it is decided here).
const menu = process.argv.length === 2 && process.stdin.isTTY && process.stdout.isTTY
await execute({development: true, dir: import.meta.url, ...(menu && {args: ['menu']})})
