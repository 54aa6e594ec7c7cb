import {KqCommand} from '../base-command.js'
import {type KqConfig} from '../lib/config/index.js'
import {topicName} from '../lib/config/values.js'
import {isJobId} from '../lib/envelope/job-id.js'
import {type DeadLetter} from '../lib/dead-letter/letters.js'
import {otherQueuesHolding} from '../lib/dead-letter/find.js'
import {type Selection, hasSelector, matchesId, selectDeadLetters} from '../lib/dead-letter/selection.js'
import {type DeadLetterState, type DeadLetterStore} from '../lib/dead-letter/store.js'
import {TopicNotFoundError, UsageError} from '../lib/errors.js'
import {choiceLines, describeSelection} from '../lib/output/dead-letters.js'
import {askToTick, askYesNo, isInteractive} from '../lib/prompts/index.js'

/** A dead letter's `<partition>:<offset>`, which --id takes as well as a job id. */
const POSITION = /^\d+:\d+$/

/** The most dead letters offered in one checkbox; more are narrowed with the selector flags. */
const MAX_CHOICES = 500

/**
 * What `dlt:replay` and `dlt:purge` share: the queue argument, and how a person chooses and
 * confirms what a destructive command will do. A script must say so with --yes (or look first
 * with --dry-run); it never gets a question it cannot answer.
 */
export abstract class DeadLetterCommand extends KqCommand {
  // Every one of them acts on dead letters there are: a missing queue is a mistyped one.
  protected override readonly readsQueues = true

  /**
   * Laravel's `queue:retry ID ID ...` and `queue:forget ID` name failed jobs where kq names the
   * queue: a first argument that is a job id (a UUIDv7, which no one names a queue) selects that
   * dead letter as --id does, instead of naming a queue, and the arguments after it are more ids.
   */
  protected jobIdArguments<F extends {id?: string[]; queue?: string}>(argv: string[], flags: F): {queue: string | undefined; flags: F} {
    const [first, ...extra] = argv
    const stray = extra.find((argument) => !isJobId(argument) && !POSITION.test(argument))
    if (stray !== undefined) {
      throw new UsageError(`${stray} is not a job id: \`kq ${this.id}\` takes one queue or job id first, then only job ids (or <partition>:<offset> positions)`)
    }

    const named = isJobId(first) ? undefined : first
    // Both would be read as one queue: oclif's `exclusive` compares flags only.
    if (named !== undefined && flags.queue !== undefined) {
      throw new UsageError(`queue given twice, as the argument (${named}) and as --queue (${flags.queue}): give one`)
    }

    const ids = [...(flags.id ?? []), ...(isJobId(first) ? [first] : []), ...extra]
    return {queue: named ?? flags.queue, flags: ids.length === 0 ? flags : {...flags, id: ids}}
  }

  /**
   * Laravel's `queue:retry ID ID ...` retries the ids it finds and names the others: of several
   * ids, those no pending dead letter has are left out of the selection and returned, to be
   * named in the summary. When none is found, the selection stays whole and refuses as for one id.
   */
  protected leaveOutNotFound(state: DeadLetterState, selection: Selection): {selection: Selection; notFound: string[]} {
    const ids = [...new Set(selection.ids ?? [])]
    const notFound = ids.filter((id) => !state.letters.some((letter) => matchesId(letter, id)))
    if (notFound.length === 0 || notFound.length === ids.length) return {selection, notFound: []}
    return {selection: {...selection, ids: ids.filter((id) => !notFound.includes(id))}, notFound}
  }

  protected queueOf(argument: string | undefined, config: KqConfig): string {
    return argument === undefined ? config.queue : topicName({raw: argument, label: 'queue', fromCommandLine: true})
  }

  /**
   * The pending dead letters of the queue named, else the default one. With no queue named, an
   * --id that the default queue lacks (or a default queue without dead letters) may be in
   * another queue's: say which, rather than "no such id", and change nothing.
   */
  protected async loadPending(config: KqConfig, store: DeadLetterStore, queueArgument: string | undefined, selection: Selection): Promise<DeadLetterState> {
    const queue = this.queueOf(queueArgument, config)
    const ids = queueArgument === undefined ? (selection.ids ?? []) : []
    let state: DeadLetterState | undefined
    try {
      state = await store.load(queue)
    } catch (error) {
      // Laravel's `queue:retry all`: kq's `all` is no queue named, with --yes.
      if (queueArgument === 'all' && error instanceof TopicNotFoundError) {
        const laravel = this.id === 'dlt:purge' ? 'queue:flush' : 'queue:retry all'
        throw new UsageError(`there is no queue all: \`kq ${this.id} --yes\` takes every pending dead letter of ${config.queue}, as Laravel's ${laravel} does (name a queue for another's)`)
      }

      if (ids.length === 0 || !(error instanceof TopicNotFoundError)) throw error
    }

    for (const id of ids) {
      if (state?.letters.some((letter) => matchesId(letter, id))) continue
      const [other] = await otherQueuesHolding(config, store, id, queue)
      if (other !== undefined) {
        const where = state?.topic ?? `queue ${queue}`
        throw new UsageError(`no pending dead letter has id ${id} in ${where}: it is in queue ${other}'s: run \`kq ${this.id} ${other} --id ${id}\``)
      }
    }

    return state ?? store.load(queue)
  }

  /** Before anything connects: without a terminal, a change needs --yes or --dry-run. */
  protected refuseUnconfirmed(doing: string, flags: {yes: boolean; 'dry-run': boolean}): void {
    if (flags.yes || flags['dry-run'] || this.canAsk()) return
    throw new UsageError(`${doing} needs a confirmation, and there is no terminal to ask on: pass --yes to go ahead, or --dry-run to see what would happen`)
  }

  /**
   * The dead letters to act on: those the selector flags pick or, on a terminal without any
   * selector, those the person ticks; then a confirmation unless --yes. An empty list means
   * "do nothing"; the line to print then says why.
   */
  protected async choose(
    state: DeadLetterState,
    selection: Selection,
    options: {verb: string; target: string; yes: boolean; dryRun: boolean; disabled?: (letter: DeadLetter) => string | undefined},
  ): Promise<{selected: DeadLetter[]; why?: string}> {
    const past = `${options.verb.replace(/e$/, '')}ed`
    // An id asked for is refused as unknown (selectDeadLetters) however many dead letters there are.
    if (state.pending === 0 && !selection.ids?.length) return {selected: [], why: `Nothing to ${options.verb}: no pending dead letters in ${state.topic}.`}
    let selected = selectDeadLetters(state.letters, selection, state.topic)
    if (selected.length === 0) return {selected, why: `No pending dead letter in ${state.topic} matches the selection: nothing was ${past}.`}
    if (options.dryRun || options.yes || !this.canAsk()) return {selected}
    if (!hasSelector(selection)) {
      const offered = selected.slice(0, MAX_CHOICES)
      // Nothing could be ticked (inquirer refuses such a list): the command says why each is refused.
      if (offered.every((letter) => options.disabled?.(letter) !== undefined)) return {selected}
      // Each line after the checkbox's own three columns (cursor, box, space) and a margin.
      const {header, lines} = choiceLines(offered, (process.stdout.columns || 80) - 4)
      const more = selected.length > offered.length ? ` (the oldest ${offered.length}; narrow with --job, --reason, --since)` : ''
      selected = await askToTick(
        `Dead letters to ${options.verb}${more}:`,
        offered.map((letter, index) => ({value: letter, name: lines[index], short: letter.id, disabled: options.disabled?.(letter) ?? false})),
        `  ${header}`,
      )
      if (selected.length === 0) return {selected, why: `Nothing was ${past}.`}
    }

    const yes = await askYesNo(`${capitalize(options.verb)} ${describeSelection(selected)}${options.target}?`, false)
    return yes ? {selected} : {selected: [], why: `Nothing was ${past}.`}
  }

  private canAsk(): boolean {
    return !this.jsonEnabled() && isInteractive()
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
