#!/usr/bin/env -S node --
// The `--` stops Node 20 from reading an --env-file among kq's arguments as its own option.
import {readFileSync} from 'node:fs'

// Each path imports only what it uses: a one-job dispatch is timed against a plain kafkajs script.
const root = new URL('..', import.meta.url)
if (!(await answeredQuickly()) && !(await dispatchedWithoutOclif())) {
  await run()
}

// `kq --version` and `kq --help` without loading oclif, when they can be (quick-answers.ts).
async function answeredQuickly() {
  if (process.argv.length !== 3 || !process.argv[2].startsWith('-')) return false
  const {quickAnswer} = await import('../dist/src/shared/quick-answers.js')
  const quick = quickAnswer({args: process.argv.slice(2), root, env: process.env, stdout: process.stdout})
  if (quick === undefined) return false
  process.stdout.write(quick)
  return true
}

// One job sent by `kq dispatch`, when its command line is one oclif would read the same way
// (src/shared/fast-dispatch-args.ts): the same steps, output and exit codes, without oclif's load.
async function dispatchedWithoutOclif() {
  if (process.argv[2] !== 'dispatch') return false
  const {fastDispatchRequest} = await import('../dist/src/shared/fast-dispatch-args.js')
  const request = fastDispatchRequest(process.argv.slice(2), process.env, process.stdout)
  if (request === undefined) return false
  const {runFastDispatch} = await import('../dist/bundle/shared/fast-dispatch.js')
  const code = await runFastDispatch(request)
  process.exitCode = code
  // A failed connection leaves kafkajs retrying in the background for half a minute or more,
  // and those retries held the process open after its one line: once the output is out, it ends,
  // as oclif ends a failed command.
  if (code !== 0) process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
  return true
}

// `kq` alone on a terminal opens the menu (the hidden `menu` command); anywhere else, and with
// any argument, oclif decides as always, so `kq` in a script still prints the root help. This is
// decided here because oclif's main shows the root help for an empty argv right after the `init`
// hook, from its own copy of argv: a hook could run the menu but not stop that help afterwards
// (an exit 0 thrown from a hook is swallowed) short of process.exit, which skips oclif's
// `finally` hooks and output flush. A default command would need oclif's single-command mode,
// which hides every other command. Nothing of the menu or inquirer loads for any other call.
async function run() {
  const menu = process.argv.length === 2 && process.stdin.isTTY && process.stdout.isTTY
  const {LARAVEL_TOPIC, joinSpacedCommand} = await import('../dist/src/shared/command-line.js')
  const topics = [...Object.keys(JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).oclif.topics), LARAVEL_TOPIC]
  const args = menu ? ['menu'] : joinSpacedCommand(process.argv.slice(2), topics)
  // oclif checks Node against its own engines range at load, loading semver to do it: a tenth of
  // a command's start-up on a small machine, for a range kq's own package.json already narrows.
  const engineWarning = process.env.OCLIF_DISABLE_ENGINE_WARNING
  process.env.OCLIF_DISABLE_ENGINE_WARNING = 'true'
  const {execute} = await import('@oclif/core')
  if (engineWarning === undefined) delete process.env.OCLIF_DISABLE_ENGINE_WARNING
  else process.env.OCLIF_DISABLE_ENGINE_WARNING = engineWarning
  await execute({dir: import.meta.url, args})
}
