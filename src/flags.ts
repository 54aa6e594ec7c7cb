import {Args, Flags} from '@oclif/core'

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
