#!/usr/bin/env -S node --
// The `--` stops Node 20 from reading kq's own --env-file flag as its option of the same name.
import {execute} from '@oclif/core'

// `kq` alone on a terminal opens the menu (the hidden `menu` command); anywhere else, and with
// any argument, oclif decides as always, so `kq` in a script still prints the root help. This is
// decided here because oclif's main shows the root help for an empty argv right after the `init`
// hook, from its own copy of argv: a hook could run the menu but not stop that help afterwards
// (an exit 0 thrown from a hook is swallowed) short of process.exit, which skips oclif's
// `finally` hooks and output flush. A default command would need oclif's single-command mode,
// which hides every other command. Nothing of the menu or inquirer loads for any other call.
const menu = process.argv.length === 2 && process.stdin.isTTY && process.stdout.isTTY
await execute({dir: import.meta.url, ...(menu && {args: ['menu']})})
