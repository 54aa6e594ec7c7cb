/**
 * What a user typed, in the form oclif knows. kq's commands are `topic:verb`, and people type
 * `kq make job Foo` or `kq dlt list` too (as with git, docker or kubectl); oclif would print the
 * topic's help for those and exit 0, a script "succeeding" having done nothing. So a topic
 * followed by a word becomes one command id; an id that names no command then gets the
 * command-not-found answer ("did you mean").
 */
export function joinSpacedCommand(args: readonly string[], topics: readonly string[]): string[] {
  const [topic, verb, ...rest] = args
  if (topic === undefined || verb === undefined || !topics.includes(topic) || !/^[a-z][a-z-]*$/.test(verb)) return [...args]
  return [`${topic}:${verb}`, ...rest]
}

/** Laravel's `queue:*` names are aliases of kq's commands, so `kq queue work` is one too. */
export const LARAVEL_TOPIC = 'queue'

/**
 * A switch given a value, `--json=true`: oclif takes it as the switch and then `true` as an
 * argument, so `kq status --json=true` looked for a queue named true. The message names the
 * switch to give alone; undefined when no switch has a value.
 */
export function switchGivenValue(argv: readonly string[], switches: ReadonlySet<string>): string | undefined {
  for (const arg of argv) {
    if (arg === '--') return undefined
    const given = /^--([^=]+)=/.exec(arg)
    if (given && switches.has(given[1])) return `--${given[1]} takes no value: give --${given[1]} alone, or leave it out for false (got ${arg})`
  }

  return undefined
}
