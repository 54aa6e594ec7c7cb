import {Args, Flags} from '@oclif/core'

import {DEAD_LETTER_REASONS, type Selection, parseSince} from '../lib/dead-letter/selection.js'
import {UsageError} from '../lib/errors.js'
import {parseBackoffList} from '../lib/retry/index.js'

/**
 * Flags shared by several commands, defined once. Those that override a configuration variable
 * are listed in CONFIG_FLAGS so the base command can pass them to the config loader.
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

export const CONFIG_FLAGS = {
  brokers: 'KAFKA_BROKERS',
  partitions: 'KAFKA_PARTITIONS',
  'replication-factor': 'KAFKA_REPLICATION_FACTOR',
  group: 'KAFKA_CONSUMER_GROUP',
  'jobs-dir': 'KQ_JOBS_DIR',
} as const

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

/**
 * The flags of `kq work` that shape how jobs run, shared with `kq make:supervisor`, which passes
 * them on to the workers it configures. No defaults here: the worker's own (see WorkerOptions)
 * apply, and a generated config names only what was asked.
 */
export function workerFlags(helpGroup?: string) {
  const group = helpGroup === undefined ? {} : {helpGroup}
  return {
    tries: Flags.integer({...group, description: 'Tries per job unless the job class says (default 1).', min: 1}),
    backoff: Flags.string({...group, description: 'Seconds before each retry, e.g. 1,5,10 (the last repeats).'}),
    timeout: Flags.integer({...group, description: 'Seconds an attempt may run unless the job class says (default 60).', min: 1}),
    concurrency: Flags.integer({...group, char: 'c', description: 'Jobs in flight at once per worker (default 1).', min: 1, max: 1000}),
    prefetch: Flags.integer({
      ...group,
      description: 'Jobs fetched ahead of the running ones, at most (default 10 x concurrency, at least 1000).',
      min: 1,
    }),
    'retry-in-place': Flags.boolean({...group, description: 'Retry where the job is, keeping strict order per key.'}),
    'max-jobs': Flags.integer({...group, description: 'Stop after this many jobs.', min: 1}),
    'max-time': Flags.integer({...group, description: 'Stop after this many seconds.', min: 1}),
    memory: Flags.integer({...group, description: 'Stop with exit code 12 above this many MB of memory.', min: 16}),
    group: Flags.string({...group, char: 'g', description: 'Consumer group (overrides KAFKA_CONSUMER_GROUP).'}),
    'from-beginning': Flags.boolean({...group, description: 'A group without committed offsets starts at the topics’ beginning.'}),
    'session-timeout': Flags.integer({
      ...group,
      description: 'Seconds without heartbeat before the group gives a worker’s partitions away (default 10).',
      min: 6,
    }),
    'broker-timeout': Flags.integer({...group, description: 'Seconds to keep trying a lost broker before exiting 5 (default 60).', min: 1}),
  }
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

/** The selection the flags of deadLetterSelectorFlags() describe. */
export function deadLetterSelection(flags: {id?: string[]; job?: string; reason?: string; since?: string; limit?: number}): Selection {
  return {
    ...(flags.id && {ids: flags.id}),
    ...(flags.job !== undefined && {job: flags.job}),
    ...(flags.reason !== undefined && {reason: flags.reason}),
    ...(flags.since !== undefined && {since: parseSince(flags.since)}),
    ...(flags.limit !== undefined && {limit: flags.limit}),
  }
}
