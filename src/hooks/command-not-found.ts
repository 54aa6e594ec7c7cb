import {type Hook} from '@oclif/core'

import {closest} from '../lib/text/closest.js'
import {ShellExitCode} from '../shared/exit-codes.js'

/** An unknown command gets one line with the nearest real command, and exit code 127 as a shell. */
const hook: Hook.CommandNotFound = async function (options) {
  const visible = options.config.commands.filter((command) => !command.hidden).map((command) => command.id)
  const suggestion = closest(options.id, visible)
  const hint = suggestion ? `did you mean \`kq ${suggestion}\`?` : 'see `kq --help` for the list'
  process.stderr.write(`Error: ${options.id} is not a kq command: ${hint}\n`)
  this.exit(ShellExitCode.CommandNotFound)
}

export default hook
