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
