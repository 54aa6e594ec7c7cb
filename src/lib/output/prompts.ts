import {UsageError} from '../errors.js'
import {displayPath} from '../jobs/files.js'
import {type JobRegistry} from '../jobs/registry.js'
import {checkJobName, describeJobNameProblem} from '../jobs/scaffold.js'
import {parseJson} from '../text/json.js'

/**
 * Questions asked on a terminal when a command misses something it can ask for. A command asks
 * only when isInteractive() says a person is there; scripts get a usage error instead of a hang.
 * Inquirer is imported on first use, so commands that never ask do not load it.
 */

/** Whether someone can answer: both stdin and stdout are terminals. */
export function isInteractive(streams: {stdin: {isTTY?: boolean}; stdout: {isTTY?: boolean}} = process): boolean {
  return Boolean(streams.stdin.isTTY && streams.stdout.isTTY)
}

/** Thrown when the user leaves a prompt with Ctrl-C or Ctrl-D. */
export class PromptCancelledError extends UsageError {
  override name = 'PromptCancelledError'

  constructor() {
    super('cancelled at the prompt: nothing was changed')
  }
}

/**
 * Asks for one line of text until `validate` accepts it (it returns true, or the message shown
 * under the answer). Ctrl-C becomes a PromptCancelledError rather than a stack trace.
 */
export async function askText(options: {message: string; validate?: (value: string) => true | string}): Promise<string> {
  const {input} = await import('@inquirer/prompts')
  return cancellable(() => input({message: options.message, ...(options.validate && {validate: options.validate})}))
}

/** Runs a prompt, turning Ctrl-C into a PromptCancelledError rather than a stack trace. */
async function cancellable<T>(prompt: () => Promise<T>): Promise<T> {
  try {
    return await prompt()
  } catch (error) {
    // By name: @inquirer/prompts does not re-export the class, and kq does not depend on
    // @inquirer/core directly to import it from there.
    if (error instanceof Error && error.name === 'ExitPromptError') throw new PromptCancelledError()
    throw error
  }
}

/** Lets the user pick one of the jobs in the registry. */
export async function askForJob(registry: JobRegistry): Promise<string> {
  const names = registry.names()
  if (names.length === 0) {
    throw new UsageError(`there are no jobs in ${displayPath(registry.dir)} yet: create one with \`kq make:job <Name>\``)
  }

  const {select} = await import('@inquirer/prompts')
  return cancellable(() => select({message: 'Job to dispatch:', choices: names.map((name) => ({value: name})), pageSize: 15}))
}

/** Asks for a JSON payload, showing where it broke until it parses. */
export async function askForPayload(job: string): Promise<unknown> {
  const text = await askText({
    message: `Payload of ${job} (JSON):`,
    validate(value) {
      try {
        parseJson(value)
        return true
      } catch (error) {
        return `not valid JSON at ${error instanceof Error ? error.message : String(error)}`
      }
    },
  })
  return parseJson(text)
}

/** Asks for the name of a new job, explaining a refused name (with its correction) until one passes. */
export async function askJobName(): Promise<string> {
  return askText({
    message: 'Name of the job class (PascalCase, e.g. SendWelcomeEmail):',
    validate(value) {
      const check = checkJobName(value)
      return check.ok ? true : describeJobNameProblem(check)
    },
  })
}
