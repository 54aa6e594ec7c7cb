import {Command, Errors, Flags, type Interfaces} from '@oclif/core'

import {CONFIG_FLAGS} from './shared/flags.js'
import {type ConfigOverride, type KqConfig, type LoadConfigOptions, type VariableName, loadConfig} from './lib/config/index.js'
import {type Acting, grantLine} from './lib/acl/grant-line.js'
import {type Role} from './lib/acl/roles.js'
import {AuthorizationError, ExitCode, KqError, TopicNotFoundError} from './lib/errors.js'
import {stylesFor} from './lib/output/styles.js'
import {warning} from './shared/warning.js'

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

  /** The kq role the command acts in, once known: a missing ACL is then answered with its grant. */
  private acting?: Acting

  /** Says which kq role this run acts in, on which queues and group. */
  protected actingAs(role: Role, config: KqConfig, queues: string[], group = config.consumerGroup): void {
    const {sasl} = config.kafka
    this.acting = {role, queues, group, ...(sasl && {principal: `User:${sasl.username}`})}
  }

  /**
   * Loads .env, the environment and any configuration flags among `flags` (see CONFIG_FLAGS).
   */
  protected loadConfig(
    flags: Record<string, unknown>,
    extra: Partial<Record<VariableName, ConfigOverride>> = {},
  ): KqConfig {
    const config = loadConfig(this.configOptions(flags, extra))
    // Before the command does anything: a misspelt setting must be seen before topics are made.
    for (const message of config.warnings ?? []) this.warning(message)
    return config
  }

  /** Where the configuration is read from: the env file flag, and the configuration flags given. */
  protected configOptions(
    flags: Record<string, unknown>,
    extra: Partial<Record<VariableName, ConfigOverride>> = {},
  ): LoadConfigOptions {
    const overrides: Partial<Record<VariableName, ConfigOverride>> = {...extra}
    for (const [flag, variable] of Object.entries(CONFIG_FLAGS)) {
      const value = flags[flag]
      if (value !== undefined) overrides[variable] = {value: String(value), flag: `--${flag}`}
    }

    return {envFile: flags.dotenv as string | undefined, overrides}
  }

  /** Progress for humans goes to stderr, so that stdout stays clean for --json and pipes. */
  protected progress(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${message}\n`)
  }

  /** A warning for humans, on stderr; with --json it is left to the result to carry. */
  protected warning(message: string): void {
    if (!this.jsonEnabled()) warning(message)
  }

  protected override async catch(error: Interfaces.CommandError): Promise<unknown> {
    if (error instanceof Errors.ExitError) return super.catch(error)
    const known = error instanceof KqError
    const usage = !known && error instanceof Errors.CLIError
    const exitCode = known ? error.exitCode : usage ? ExitCode.Usage : ExitCode.Failure
    const message = known
      ? this.withGrantAdvice(error)
      : usage
        ? oneLineUsageError(error.message, this.id)
        : `unexpected error: ${error.message} (set KQ_DEBUG=1 to see where)`
    if (this.jsonEnabled()) {
      const details = known ? error.details : undefined
      this.logJson({error: {name: error.name, message, exitCode, ...details}})
    } else {
      const styles = stylesFor(process.stderr)
      process.stderr.write(`${styles.red('Error:')} ${message}\n`)
      if (process.env.KQ_DEBUG && error.stack) process.stderr.write(`${error.stack}\n`)
    }

    return this.exit(exitCode)
  }

  /**
   * A missing ACL, answered with the `kq acl:grant` line of the command's role. Kafka hides the
   * topics a logged-in client may not describe, so for one a topic that is not found may be one
   * it may not see.
   */
  private withGrantAdvice(error: KqError): string {
    if (this.acting === undefined) return error.message
    const grant = `\`${grantLine(this.acting)}\``
    if (error instanceof AuthorizationError) return `${error.denied}: a Kafka admin can grant what a ${this.acting.role} needs with ${grant}`
    if (error instanceof TopicNotFoundError && this.acting.principal !== undefined) {
      return `${error.message}; if it exists, ${this.acting.principal} may not see it: ${grant} grants what a ${this.acting.role} needs`
    }

    return error.message
  }
}

/** oclif's parse errors span several lines; kq answers every bad input with one. */
function oneLineUsageError(message: string, commandId: string | undefined): string {
  const parts = message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('See more help'))
  const help = commandId ? `kq ${commandId} --help` : 'kq --help'
  return `${parts.join(': ')} (see \`${help}\`)`
}
