import {type Hook} from '@oclif/core'

import {closest} from '../lib/text/closest.js'
import {ShellExitCode} from '../shared/exit-codes.js'

/** Laravel commands with no kq command of their name, and what to use instead. */
const LARAVEL_ANSWERS: Record<string, string> = {
  'queue:listen': 'kq has no listen: use `kq work`, and `kq restart` after a deploy to load new code',
  'queue:clear':
    "kq does not delete a queue's jobs: they stay in Kafka until worked or expired by the topic's retention; `kq status` shows what waits",
}

/** An unknown command gets one line with the nearest real command, and exit code 127 as a shell. */
const hook: Hook.CommandNotFound = async function (options) {
  // A Laravel name (an alias) close to the one typed leads to kq's own name for the command.
  // oclif lists each alias as a command of its own too: those entries are skipped.
  const visible = options.config.commands.filter((each) => !each.hidden)
  const aliases = new Set(visible.flatMap((command) => command.aliases))
  const names = new Map<string, string>()
  for (const command of visible.filter((each) => !aliases.has(each.id))) {
    for (const name of [command.id, ...command.aliases]) names.set(name, command.id)
  }

  const close = closest(options.id, [...names.keys()])
  const suggestion = close === undefined ? undefined : names.get(close)
  const hint = LARAVEL_ANSWERS[options.id] ?? (suggestion ? `did you mean \`kq ${suggestion}\`?` : 'see `kq --help` for the list')
  process.stderr.write(`Error: ${options.id} is not a kq command: ${hint}\n`)
  this.exit(ShellExitCode.CommandNotFound)
}

export default hook
