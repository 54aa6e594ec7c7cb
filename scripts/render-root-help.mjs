// Build step, after `oclif manifest`: renders `kq --help` with oclif and keeps the text in
// dist/src/root-help.json, so that bin/run.js can answer `kq --help` without loading oclif
// (src/shared/quick-answers.ts says when it may).
import {execFileSync} from 'node:child_process'
import {rmSync, writeFileSync} from 'node:fs'

import {ROOT_HELP_FILE, ROOT_HELP_WIDTH, manifestHash, userAgent} from '../dist/src/shared/quick-answers.js'

const root = new URL('..', import.meta.url)
// The old text would answer in place of oclif.
rmSync(ROOT_HELP_FILE, {force: true})
const env = {...process.env, OCLIF_COLUMNS: String(ROOT_HELP_WIDTH)}
const text = execFileSync(process.execPath, ['--', new URL('../bin/run.js', import.meta.url).pathname, '--help'], {env, encoding: 'utf8'})
const help = {manifest: manifestHash(root), width: ROOT_HELP_WIDTH, userAgent: userAgent(root), text}
writeFileSync(ROOT_HELP_FILE, `${JSON.stringify(help)}\n`)
