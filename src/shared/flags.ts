import {Args, Flags, type Interfaces} from '@oclif/core'

import {ROLES} from '../lib/acl/roles.js'
import {identifier, refuseEmpty} from '../lib/config/values.js'
import {DEAD_LETTER_REASONS, type Selection, parseSince} from '../lib/dead-letter/selection.js'
import {UsageError} from '../lib/errors.js'
import {parseBackoffList} from '../lib/retry/index.js'
import {
  WORKER_SETTINGS,
  type WorkerSettingName,
  type WorkerSettingValues,
  defaultText,
  flagName,
  settingOf,
} from '../lib/worker/settings.js'

export {CONFIG_FLAGS} from './config-flags.js'

/**
 * Flags shared by several commands, defined once. Those that override a configuration variable
 * are listed in CONFIG_FLAGS (config-flags.ts) so the base command can pass them to the config loader.
 */
export const brokersFlag = Flags.string({
  char: 'b',
  description: 'Brokers to connect to, host:port[,host:port] (overrides KAFKA_BROKERS).',
})

export const partitionsFlag = Flags.integer({
  description: 'Partitions of each topic (overrides KAFKA_PARTITIONS).',
  min: 1,
})

export const replicationFactorFlag = Flags.integer({
  description: 'Replication factor of each topic (overrides KAFKA_REPLICATION_FACTOR).',
  min: 1,
})

export const localKafkaDirFlag = Flags.string({
  description: "Folder of the local cluster's state, data and logs.",
  default: '.kq/kafka',
})

export const jobsDirFlag = Flags.string({
  description: 'Folder of job classes (overrides KQ_JOBS_DIR).',
})

/**
 * A positional argument. oclif would read a piped stdin into a missing argument on its own;
 * kq reads stdin only when told to with `-`, so that scripts never block on it by surprise.
 */
export function textArgument(description: string) {
  return Args.string({description, ignoreStdin: true})
}

type Kebab<Name extends string> = Name extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `-${Lowercase<Head>}`}${Kebab<Tail>}`
  : Name

type FlagOf<Setting> = Setting extends {kind: 'boolean'}
  ? Interfaces.BooleanFlag<boolean>
  : Setting extends {kind: 'integer'}
    ? Interfaces.OptionFlag<number | undefined>
    : Interfaces.OptionFlag<string | undefined>

export type WorkerFlags<Name extends WorkerSettingName> = {
  [N in Name as Kebab<N>]: FlagOf<(typeof WORKER_SETTINGS)[N]>
}

/**
 * The flags of worker settings (WORKER_SETTINGS), for `kq work` and for `kq make:supervisor`,
 * which passes them on to the workers it configures. No defaults here: the worker's own apply,
 * and a generated config names only what was asked.
 */
export function workerFlags<Name extends WorkerSettingName>(names: readonly Name[], helpGroup?: string): WorkerFlags<Name> {
  const flags: Record<string, unknown> = {}
  for (const name of names) flags[flagName(name)] = settingFlag(name, helpGroup)
  return flags as WorkerFlags<Name>
}

function settingFlag(name: WorkerSettingName, helpGroup: string | undefined) {
  const setting = settingOf(name)
  const common = {
    description: flagDescription(name),
    ...(helpGroup !== undefined && {helpGroup}),
    ...(setting.char !== undefined && {char: setting.char}),
  }
  if (setting.kind === 'boolean') return Flags.boolean(common)
  if (setting.kind !== 'integer') return Flags.string(common)
  return Flags.integer({...common, ...(setting.min !== undefined && {min: setting.min}), ...(setting.max !== undefined && {max: setting.max})})
}

/** The summary, and the variable the flag overrides or else its default: `Jobs in flight at once per worker (default 1).` */
function flagDescription(name: WorkerSettingName): string {
  const {summary, env} = settingOf(name)
  const shown = defaultText(name)
  if (shown === undefined) return `${summary}.`
  return env === undefined ? `${summary} (default ${shown}).` : `${summary} (overrides ${env}).`
}

/** The settings the flags of workerFlags(names) give; a flag left out is left out. */
export function workerSettingsFromFlags<Name extends WorkerSettingName>(
  names: readonly Name[],
  flags: Record<string, unknown>,
): Partial<Pick<WorkerSettingValues, Name>> {
  const given: Record<string, unknown> = {}
  for (const name of names) {
    const value = flags[flagName(name)]
    if (value === undefined) continue
    const {kind} = settingOf(name)
    // A text setting names something (a group, a worker) that shows in Kafka, headers and logs.
    given[name] =
      kind === 'seconds'
        ? backoffList(value as string)
        : kind === 'text'
          ? identifier({raw: value as string, label: `--${flagName(name)}`, fromCommandLine: true})
          : value
  }

  return given as Partial<Pick<WorkerSettingValues, Name>>
}

/** `--backoff 1,5,10` as seconds; a bad list is a usage error naming the flag. */
export function backoffList(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined
  try {
    return parseBackoffList(text)
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

/** Which dead letters a `dlt:*` command works on; given together, all must match. */
export function deadLetterSelectorFlags() {
  return {
    id: Flags.string({
      description: 'Job id, or <partition>:<offset> of the dead letter (repeatable).',
      multiple: true,
      multipleNonGreedy: true,
    }),
    job: Flags.string({description: 'Only dead letters of this job class.'}),
    reason: Flags.string({description: 'Only dead letters dead-lettered for this reason.', options: [...DEAD_LETTER_REASONS]}),
    since: Flags.string({description: 'Only those dead-lettered since: a duration (30m, 2h, 7d) or a date.'}),
    limit: Flags.integer({description: 'At most this many, oldest first.', min: 1}),
  }
}

/**
 * The queue of a `dlt:*` command as a flag as well as the argument: Laravel's `queue:retry
 * --queue=NAME`, and how `dlt:show` and `job:show` take it.
 */
export function deadLetterQueueFlag(description: string) {
  return Flags.string({char: 'q', description: `${description} Default: KAFKA_QUEUE (also the argument, as Laravel's queue:retry --queue).`})
}

/** The selection the flags of deadLetterSelectorFlags() describe. */
export function deadLetterSelection(flags: {id?: string[]; job?: string; reason?: string; since?: string; limit?: number}): Selection {
  for (const id of flags.id ?? []) refuseEmpty(id, '--id', 'give a job id or a <partition>:<offset> from `kq dlt:list`, or leave --id out')
  return {
    ...(flags.id && {ids: flags.id}),
    ...(flags.job !== undefined && {job: refuseEmpty(flags.job, '--job', 'give a job class name, or leave --job out')}),
    ...(flags.reason !== undefined && {reason: flags.reason}),
    ...(flags.since !== undefined && {since: parseSince(flags.since)}),
    ...(flags.limit !== undefined && {limit: flags.limit}),
  }
}

/**
 * The arguments with `value` after a bare `flag` (one that is last, or followed by another
 * flag): oclif has no flag whose value may be left out, and `--sasl` alone must keep meaning
 * PLAIN now that it also takes a mechanism. Only for commands without positional arguments.
 */
export function withDefaultValue(argv: string[], flag: string, value: string): string[] {
  return argv.flatMap((arg, index) => {
    const next = argv[index + 1]
    return arg === flag && (next === undefined || next.startsWith('-')) ? [arg, value] : [arg]
  })
}

/** The role vocabulary of `kq acl:grant` and `kq acl:revoke`: who, as what, on which queues. */
export function aclRoleFlags() {
  return {
    role: Flags.string({description: 'What the principal does: dispatcher, worker or operator (see the README for each one\'s ACLs).', options: [...ROLES], required: true}),
    principal: Flags.string({char: 'p', description: 'Kafka principal, User:NAME (the SASL user, or the client certificate\'s name under mTLS).', required: true}),
    queue: Flags.string({
      char: 'q',
      description: 'Queue whose topics the role may use (repeatable; default: KAFKA_QUEUE).',
      multiple: true,
      multipleNonGreedy: true,
    }),
    group: Flags.string({char: 'g', description: 'The workers’ consumer group (default: KAFKA_CONSUMER_GROUP).'}),
    'dry-run': Flags.boolean({description: 'Print the ACLs as a table; change nothing and connect to nothing.'}),
    brokers: brokersFlag,
  }
}

/** Laravel's spelling of the queues, `--queue=high,low`, beside kq's argument (kq work, kq make:supervisor). */
export const queueFlag = Flags.string({description: 'Queues in priority order, as Laravel spells it: --queue=high,default,low.'})

/**
 * The queues from the argument or --queue, refused when both are given: oclif's `exclusive`
 * compares flags only, so one would be dropped without a word (Laravel's `queue:work redis
 * --queue=high`, whose argument is the connection, would work a queue named redis).
 */
export function queuesOf(argument: string | undefined, flag: string | undefined): string | undefined {
  if (argument !== undefined && flag !== undefined) {
    throw new UsageError(
      `queues given twice, as the argument (${argument}) and as --queue (${flag}): give one; kq has no connection argument, KAFKA_BROKERS says where Kafka is`,
    )
  }

  return argument ?? flag
}
