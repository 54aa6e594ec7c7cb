import {Command, Errors, Flags, type Interfaces} from '@oclif/core'

import {switchGivenValue} from './shared/command-line.js'
import {configOptions, loadCommandConfig} from './shared/config-flags.js'
import {type ConfigOverride, type KqConfig, type LoadConfigOptions, type VariableName} from './lib/config/index.js'
import {type Acting, actingFor} from './lib/acl/grant-line.js'
import {type Role} from './lib/acl/roles.js'
import {KqError, TopicNotFoundError, UsageError} from './lib/errors.js'
import {explainMissingQueue} from './lib/topics/missing-queue.js'
import {type Failure, describeFailure, failureJson, printFailure} from './shared/failure.js'
import {warning} from './shared/warning.js'

/** What oclif parses flags and arguments into (its FlagOutput and ArgOutput, not exported). */
type Output = {[name: string]: unknown}

/**
 * The base of every kq command: `--json` and `--dotenv` for all, configuration loading, and one
 * place that turns a failure into a single line with a stable exit code.
 */
export abstract class KqCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    // Not --env-file first: Node 20 takes that name as its own option wherever it appears in a
    // node process's arguments, npx's included, and fails on a missing file before kq runs.
    dotenv: Flags.string({
      aliases: ['env-file'],
      description: 'Read configuration from this file instead of ./.env (also --env-file, except through npx on Node 20).',
      helpGroup: 'GLOBAL',
    }),
  }

  /**
   * True for a command that only reads a queue named to it (status, dlt:list...): a queue that
   * does not exist is then a mistyped name, answered with the queues there are rather than with
   * `kq topic:create`, which suits the commands that write.
   */
  protected readonly readsQueues: boolean = false

  /** The configuration run() loaded, for the answer to a failure that needs Kafka once more. */
  private loaded?: KqConfig

  /** The kq role the command acts in, once known: a missing ACL is then answered with its grant. */
  private acting?: Acting

  /** Says which kq role this run acts in, on which queues and group. */
  protected actingAs(role: Role, config: KqConfig, queues: string[], group = config.consumerGroup): void {
    this.acting = actingFor(role, config, queues, group)
  }

  /**
   * Loads .env, the environment and any configuration flags among `flags` (see CONFIG_FLAGS).
   */
  protected loadConfig(
    flags: Record<string, unknown>,
    extra: Partial<Record<VariableName, ConfigOverride>> = {},
  ): KqConfig {
    // Warned before the command does anything: a misspelt setting must be seen before topics are made.
    this.loaded = loadCommandConfig(flags, (message) => this.warning(message), extra)
    return this.loaded
  }

  /** Where the configuration is read from: the env file flag, and the configuration flags given. */
  protected configOptions(
    flags: Record<string, unknown>,
    extra: Partial<Record<VariableName, ConfigOverride>> = {},
  ): LoadConfigOptions {
    return configOptions(flags, extra)
  }

  /** Progress for humans goes to stderr, so that stdout stays clean for --json and pipes. */
  protected progress(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${message}\n`)
  }

  /** A warning for humans, on stderr; with --json it is left to the result to carry. */
  protected warning(message: string): void {
    if (!this.jsonEnabled()) warning(message)
  }

  protected override async parse<F extends Output, B extends Output, A extends Output>(
    options?: Interfaces.Input<F, B, A>,
    argv = this.argv,
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const flags: Record<string, {type: string}> = {...options?.baseFlags, ...options?.flags}
    const switches = new Set([...Object.keys(flags).filter((name) => flags[name].type === 'boolean'), ...(options?.enableJsonFlag ? ['json'] : [])])
    const problem = switchGivenValue(argv, switches)
    if (problem !== undefined) throw new UsageError(problem)
    return super.parse(options, argv)
  }

  protected override async catch(caught: Interfaces.CommandError): Promise<unknown> {
    if (caught instanceof Errors.ExitError) return super.catch(caught)
    const error = this.loaded !== undefined && caught instanceof TopicNotFoundError ? await explainMissingQueue(this.loaded, caught, {reads: this.readsQueues}) : caught
    const usage = !(error instanceof KqError) && error instanceof Errors.CLIError
    const failure = describeFailure(error, this.acting, usage ? {commandId: this.id} : undefined)
    this.reportFailure(failure, error)
    return this.exit(failure.exitCode)
  }

  /** How a failure is shown: with --json its error object on stdout, else one line on stderr. */
  protected reportFailure(failure: Failure, error: Error): void {
    if (this.jsonEnabled()) this.logJson(failureJson(failure))
    else printFailure(failure, error)
  }
}
