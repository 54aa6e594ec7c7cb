import {topicName} from '../config/values.js'
import {UsageError} from '../errors.js'
import {type JobRegistry} from '../jobs/registry.js'
import {checkJobName, describeJobNameProblem} from '../jobs/scaffold.js'
import {parseJson} from '../text/json.js'
import {displayPath} from '../text/paths.js'

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

/** One entry of a list to pick from; a `disabled` one is shown greyed out, with its reason. */
export interface Choice<T> {
  value: T
  name: string
  description?: string
  disabled?: boolean | string
}

/** Lets the user pick one of `choices` with the arrow keys and Enter. */
export async function askChoice<T>(message: string, choices: Array<Choice<T>>): Promise<T> {
  const {select} = await import('@inquirer/prompts')
  return cancellable(() => select({message, choices, pageSize: choices.length, loop: false}))
}

/** Asks for a whole number of at least `min` (1 unless given); Enter takes the default. */
export async function askInteger(options: {message: string; default: number; min?: number}): Promise<number> {
  const min = options.min ?? 1
  const {input} = await import('@inquirer/prompts')
  const text = await cancellable(() =>
    input({
      message: options.message,
      default: String(options.default),
      validate: (value) => (/^\d{1,9}$/.test(value.trim()) && Number(value) >= min) || `a whole number, at least ${min}`,
    }),
  )
  return Number(text.trim())
}

/** Asks a yes-or-no question; Enter takes the default. */
export async function askYesNo(message: string, defaultAnswer: boolean): Promise<boolean> {
  const {confirm} = await import('@inquirer/prompts')
  return cancellable(() => confirm({message, default: defaultAnswer}))
}

/** Asks for a queue name (Enter takes the default), refusing one Kafka cannot take as a topic name. */
export async function askQueueName(message: string, defaultQueue: string): Promise<string> {
  const {input} = await import('@inquirer/prompts')
  const text = await cancellable(() =>
    input({
      message,
      default: defaultQueue,
      validate(value) {
        try {
          topicName({raw: value, label: 'a queue name', fromCommandLine: true})
          return true
        } catch (error) {
          return (error as Error).message
        }
      },
    }),
  )
  return text.trim()
}

/**
 * Lets the user tick some of `choices` (space ticks, `a` ticks all, Enter goes on), under a
 * `header` line that labels their columns. Ticking none is an answer: an empty list.
 */
export async function askToTick<T>(
  message: string,
  choices: Array<{value: T; name: string; short?: string; disabled?: boolean | string}>,
  header?: string,
): Promise<T[]> {
  const {checkbox, Separator} = await import('@inquirer/prompts')
  const items = header === undefined ? choices : [new Separator(header), ...choices]
  return cancellable(() => checkbox({message, choices: items, pageSize: 15, loop: false}))
}
