import {companionOf} from './config/topics.js'

/**
 * Every failure kq expects (bad input, bad configuration, Kafka refusing or unreachable) is a
 * KqError: a one-line message that says what went wrong and what to do next, and a stable exit
 * code that scripts can branch on. Anything else reaching the command layer is a bug.
 */

/** Exit codes are part of the CLI's contract: documented in the README, never renumbered. */
export const ExitCode = {
  /** An unexpected failure: a bug in kq. */
  Failure: 1,
  /** A bad argument, flag or payload on the command line. */
  Usage: 2,
  /** A monitoring threshold was crossed (`kq status --max-lag`). */
  Alert: 3,
  /** A bad value in .env or the environment. */
  Config: 4,
  /** Kafka could not be reached. */
  Unreachable: 5,
  /** Kafka answered but refused: missing permission, conflicting topic settings, bad request. */
  KafkaRefused: 6,
  /** The local Kafka (kafka:up) could not be started or stopped. */
  LocalKafka: 7,
  /** A file or folder kq was asked to write cannot be written (`kq init`). */
  CannotWrite: 8,
  /** The worker stopped because it passed its memory limit (as Laravel's queue:work). */
  Memory: 12,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export class KqError extends Error {
  override name = 'KqError'
  /** Extra facts for `--json` output (e.g. the rows of a report that ended in this error). */
  details?: Record<string, unknown>

  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.Failure,
    options?: {cause?: unknown},
  ) {
    super(message, options)
  }
}

/** A bad value in .env, the environment or a flag that overrides one. */
export class ConfigError extends KqError {
  override name = 'ConfigError'
  /**
   * The env file's unknown names, found before the bad value: a misspelt name is often why
   * another setting is missing (`KAFKA_SASL_USERNAM`), so the command shows them with the error.
   */
  warnings: string[] = []

  constructor(message: string) {
    super(message, ExitCode.Config)
  }
}

/** Bad input on the command line (not configuration). */
export class UsageError extends KqError {
  override name = 'UsageError'

  constructor(message: string) {
    super(message, ExitCode.Usage)
  }
}

/** No broker answered within the connection deadline. */
export class BrokerUnreachableError extends KqError {
  override name = 'BrokerUnreachableError'

  constructor(
    readonly brokers: string[],
    readonly reason: string,
    options?: {cause?: unknown; notKafka?: boolean; advice?: string; security?: {ssl: boolean; sasl: boolean}},
  ) {
    // A broker that closes the door at once usually wants a login or TLS the client did not offer.
    const advice = options?.advice ?? (options?.notKafka
      ? 'check that KAFKA_BROKERS names Kafka listeners, and that KAFKA_SSL matches them (TLS or plaintext)'
      : /closed/i.test(reason)
        ? closedAdvice(options?.security)
        : 'start a local broker with `kq kafka:up` or set KAFKA_BROKERS to your cluster')
    super(`cannot reach Kafka at ${brokers.join(',')} (${reason}): ${advice}`, ExitCode.Unreachable, options)
  }
}

/** What a client should offer a listener that hung up on it: what it did not offer yet. */
function closedAdvice(security: {ssl: boolean; sasl: boolean} | undefined): string {
  if (security?.sasl && !security.ssl) {
    return 'a TLS listener hangs up on a client that does not speak TLS: set KAFKA_SSL=true (and KAFKA_SSL_CA_FILE for a private CA), or use the plaintext listener\'s port'
  }

  if (security?.ssl && !security.sasl) return 'if the cluster requires SASL, set KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD'
  return 'if the cluster requires SASL or TLS, set KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD, or KAFKA_SSL=true'
}

/** Kafka answered and said no: a missing ACL, bad credentials, a request it rejects. */
export class KafkaRefusedError extends KqError {
  override name = 'KafkaRefusedError'

  constructor(message: string, options?: {cause?: unknown}) {
    super(message, ExitCode.KafkaRefused, options)
  }
}

/**
 * Kafka refused for want of an ACL: `denied` says what was refused and on what kind of resource,
 * `advice` what to do; a command that knows its kq role replaces the advice with the grant line.
 */
export class AuthorizationError extends KafkaRefusedError {
  override name = 'AuthorizationError'

  constructor(
    readonly denied: string,
    readonly advice: string,
    options?: {cause?: unknown},
  ) {
    super(`${denied}: ${advice}`, options)
  }
}

/**
 * A consumer group that has members: kq does not move its offsets, since joining it would take
 * partitions from running workers mid-job. Caught by topic:create, which reports it.
 */
export class GroupHasMembersError extends KafkaRefusedError {
  override name = 'GroupHasMembersError'

  constructor(
    readonly groupId: string,
    readonly members: number,
  ) {
    super(`group ${groupId} has ${members} running member(s), so kq leaves its offsets alone: stop its workers first, or run the next one with --from-beginning`)
  }
}

/**
 * A write Kafka took but did not acknowledge within KAFKA_SEND_TIMEOUT: the brokers answer, but
 * the partition cannot gather the in-sync replicas acks=all waits for (too few brokers up, or
 * no controller quorum to shrink the in-sync set). Kafka alone would keep a command waiting for
 * minutes.
 */
export class SendTimeoutError extends KqError {
  override name = 'SendTimeoutError'

  constructor(
    readonly topic: string,
    readonly timeoutMs: number,
  ) {
    super(
      `Kafka did not acknowledge the write to ${topic} within ${timeoutMs / 1000}s (KAFKA_SEND_TIMEOUT): the brokers answer, but not enough replicas confirm it; ` +
        'check that most controllers and enough brokers are up (kq kafka:status for the local one), and look for the job before sending it again: it may still be written once they are back',
      ExitCode.Unreachable,
    )
  }
}

/** Kafka refused a record as larger than the topic or broker takes (MESSAGE_TOO_LARGE). */
export class RecordTooLargeError extends KafkaRefusedError {
  override name = 'RecordTooLargeError'
}

/** A queue topic that does not exist: kq never lets Kafka auto-create one with default settings. */
export class TopicNotFoundError extends KafkaRefusedError {
  override name = 'TopicNotFoundError'

  constructor(
    readonly topic: string,
    message = missingTopicMessage(topic),
  ) {
    super(message)
  }
}

/**
 * A queue named to a command that only reads, whose topic does not exist: a mistyped name far
 * more often than a queue to create, so the message points at the queues there are.
 */
export class QueueNotFoundError extends TopicNotFoundError {
  override name = 'QueueNotFoundError'
}

/** A queue without its delay topics (made before kq had delayed jobs, or one deleted since). */
export class DelayTopicNotFoundError extends TopicNotFoundError {
  override name = 'DelayTopicNotFoundError'

  constructor(topic: string, readonly queueTopic: string) {
    super(topic, `delay topic ${topic} does not exist: add the delay topics of ${queueTopic} with \`kq topic:create ${queueTopic}\` (it leaves existing topics alone)`)
  }
}

/** The local Kafka of `kq kafka:up` could not do what was asked. */
export class LocalKafkaError extends KqError {
  override name = 'LocalKafkaError'

  constructor(message: string, options?: {cause?: unknown}) {
    super(message, ExitCode.LocalKafka, options)
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * Says how to make a missing topic, first thing after naming it: through its queue when it is
 * one of a queue's companions; why comes after the fix.
 */
function missingTopicMessage(topic: string): string {
  const companion = companionOf(topic)
  if (companion === undefined) return `topic ${topic} does not exist: create it with \`kq topic:create ${topic}\``
  const owner = companionOf(companion.queueTopic)
  if (owner !== undefined) {
    return `topic ${topic} does not exist: name the queue ${owner.queueTopic}, not ${companion.queueTopic} (the ${owner.role} topic of queue ${owner.queueTopic})`
  }

  return `topic ${topic} does not exist: create it with \`kq topic:create ${companion.queueTopic}\` (it is the ${companion.role} topic of queue ${companion.queueTopic}; topics that exist are left alone)`
}
