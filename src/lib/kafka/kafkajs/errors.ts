import kafkajs from 'kafkajs'

import {AuthorizationError, BrokerUnreachableError, KafkaRefusedError, KqError, RecordTooLargeError, errorMessage} from '../../errors.js'
import {CONNECTION_REASONS, TLS_FAILURES} from './sockets.js'

const {
  KafkaJSAggregateError,
  KafkaJSConnectionError,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSProtocolError,
  KafkaJSSASLAuthenticationError,
  KafkaJSServerDoesNotSupportApiKey,
} = kafkajs

export interface KafkaErrorContext {
  brokers: string[]
  /** What kq was doing, for the message: `creating topic orders`. */
  action?: string
  /**
   * No broker took a connection yet: kafkajs tried the bootstrap brokers in turn, so a refusal
   * stands for the whole list, not only the one it tried last.
   */
  noBrokerAnswered?: boolean
  /** Who logged in and how, to name in a refused login; never the password. */
  login?: {mechanism: string; username: string}
  /** Whether the client offered TLS and a SASL login: a listener that hangs up wants what it did not. */
  security?: {ssl: boolean; sasl: boolean}
}


/** What a listener answers a SASL handshake it does not take: none at all, or not this mechanism. */
const SASL_NOT_TAKEN = new Set(['ILLEGAL_SASL_STATE', 'UNSUPPORTED_SASL_MECHANISM'])

/** Kafka protocol error types that mean "you may not", with what to grant. */
const AUTHORIZATION_FAILURES: Record<string, string> = {
  TOPIC_AUTHORIZATION_FAILED: 'on the topic',
  GROUP_AUTHORIZATION_FAILED: 'on the consumer group',
  CLUSTER_AUTHORIZATION_FAILED: 'on the cluster',
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'on the transactional id',
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: 'on delegation tokens',
}

/**
 * The ACL operation a refused request needed, told by what kq was doing: a produce needs WRITE
 * on its topic; a consumer's fetch, join and commit need READ on the topic and on the group.
 * Each implies DESCRIBE, so a principal without DESCRIBE is refused the same and needs the same.
 */
function deniedOperation(type: string, action: string | undefined): string | undefined {
  if (action === undefined || (type !== 'TOPIC_AUTHORIZATION_FAILED' && type !== 'GROUP_AUTHORIZATION_FAILED')) return undefined
  if (type === 'TOPIC_AUTHORIZATION_FAILED' && /^sending\b/.test(action)) return 'WRITE'
  if (/^(consuming|subscribing|committing)\b/.test(action)) return 'READ'
  return undefined
}

/** The error and every error it wraps, depth first, so the root cause is found wherever it is. */
function* causes(error: unknown, depth = 0): Generator<unknown> {
  if (error === undefined || error === null || depth > 8) return
  yield error
  if (error instanceof KafkaJSAggregateError) {
    for (const inner of error.errors) yield* causes(inner, depth + 1)
  }

  if (error instanceof Error) yield* causes(error.cause, depth + 1)
}

/**
 * The brokers kafkajs says it could not talk to, when it says: with one broker of three down,
 * the error names that one, not the whole bootstrap list as if all three had refused.
 */
function unreachableBrokers(error: unknown): string[] | undefined {
  const named = new Set<string>()
  for (const cause of causes(error)) {
    const {broker} = cause instanceof KafkaJSConnectionError ? (cause as {broker?: unknown}) : {}
    if (typeof broker === 'string' && broker !== '') named.add(broker)
  }

  return named.size === 0 ? undefined : [...named].sort()
}

/**
 * Some brokers answer and one named here does not: usually a broker that just died and still
 * leads its partitions until the controller notices (seconds), not a cluster to start or a
 * KAFKA_BROKERS to change.
 */
const ONE_BROKER_DOWN =
  'the other brokers answer: Kafka moves the partitions a stopped broker led to another within seconds, so try again shortly; if it stays down, start that broker again'

function namesEveryBroker(named: string[], brokers: string[]): boolean {
  return brokers.every((broker) => named.includes(broker))
}

/** A refused connection to some of the brokers, named, and not to every one of `brokers`. */
export function isOneBrokerRefusing(error: unknown, brokers: string[]): boolean {
  const {code} = (find(error, KafkaJSConnectionError) ?? {}) as {code?: string}
  const named = unreachableBrokers(error)
  return code === 'ECONNREFUSED' && named !== undefined && !namesEveryBroker(named, brokers)
}

function find<T>(error: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  for (const cause of causes(error)) if (cause instanceof type) return cause
  return undefined
}

/** Kafka's "try again shortly" answers: leadership moving, metadata not yet everywhere. */
const TRANSIENT_TYPES = new Set([
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'LEADER_NOT_AVAILABLE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'REQUEST_TIMED_OUT',
  'NOT_COORDINATOR',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
])

export function isTransientKafkaError(error: unknown): boolean {
  const protocol = find(error, KafkaJSProtocolError)
  return protocol !== undefined && TRANSIENT_TYPES.has(protocol.type)
}

/**
 * Kafka's answers while a group's coordinator is not ready: on a fresh cluster, until its
 * __consumer_offsets topic has leaders. kafkajs, after its own retries, reports the same as
 * KafkaJSGroupCoordinatorNotFound, which a missing ACL on the group causes too: a refusal named
 * as such is not pending.
 */
const COORDINATOR_PENDING = new Set(['COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS', 'NOT_COORDINATOR'])

export function isCoordinatorPending(error: unknown): boolean {
  const protocol = find(error, KafkaJSProtocolError)
  if (protocol !== undefined && AUTHORIZATION_FAILURES[protocol.type] !== undefined) return false
  return (protocol !== undefined && COORDINATOR_PENDING.has(protocol.type)) || find(error, KafkaJSGroupCoordinatorNotFound) !== undefined
}

/** Kafka does not know the topic (or partition): deleted, or not yet heard of by the broker asked. */
export function isUnknownTopic(error: unknown): boolean {
  return find(error, KafkaJSProtocolError)?.type === 'UNKNOWN_TOPIC_OR_PARTITION'
}

const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE'])

/** Kafka will not tell this principal about the topic: it lacks DESCRIBE on it. */
export function isTopicAuthorizationFailure(error: unknown): boolean {
  return find(error, KafkaJSProtocolError)?.type === 'TOPIC_AUTHORIZATION_FAILED'
}

/** Kafka's answers about one topic that need not fail a request about others: gone, misnamed, not allowed. */
const TOPIC_REFUSALS = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'INVALID_TOPIC_EXCEPTION', 'TOPIC_AUTHORIZATION_FAILED'])

export function isTopicRefusal(error: unknown): boolean {
  const protocol = find(error, KafkaJSProtocolError)
  return protocol !== undefined && TOPIC_REFUSALS.has(protocol.type)
}

/**
 * Turns whatever kafkajs threw into a KqError with a one-line message that says what to do.
 * Errors that are already ours pass through.
 */
export function translateKafkaError(error: unknown, context: KafkaErrorContext): KqError {
  if (error instanceof KqError) return error
  const doing = context.action ? ` while ${context.action}` : ''

  const sasl = find(error, KafkaJSSASLAuthenticationError)
  if (sasl) return refusedLogin(sasl.message, doing, context, error)

  const protocol = find(error, KafkaJSProtocolError)
  if (protocol) {
    if (SASL_NOT_TAKEN.has(protocol.type)) {
      return new KafkaRefusedError(
        `Kafka does not take ${protocol.type === 'UNSUPPORTED_SASL_MECHANISM' ? `the SASL mechanism ${context.login?.mechanism.toUpperCase() ?? ''}`.trim() : 'SASL'} on ${context.brokers.join(',')}${doing} (${protocol.type}): ` +
          'set KAFKA_SASL_MECHANISM to what the listener takes, leave it unset for a listener without SASL, or use the SASL listener\'s port',
        {cause: error},
      )
    }

    const scope = AUTHORIZATION_FAILURES[protocol.type]
    if (scope) {
      const operation = deniedOperation(protocol.type, context.action)
      return new AuthorizationError(
        `Kafka denied ${operation === undefined ? 'permission' : `${operation} ${scope}`}${doing} (${protocol.type})`,
        `ask your Kafka admin for ${operation ?? 'an ACL'} ${scope} for this client's principal`,
        {cause: error},
      )
    }

    if (TOO_LARGE.has(protocol.type)) {
      return new RecordTooLargeError(
        `Kafka refused the request${doing}: ${protocol.message} (${protocol.type}); the topic's max.message.bytes bounds a record`,
        {cause: error},
      )
    }

    return new KafkaRefusedError(`Kafka refused the request${doing}: ${protocol.message} (${protocol.type})`, {
      cause: error,
    })
  }

  // kafkajs drops the broker's answer when no broker names a group's coordinator; on a cluster
  // that answers otherwise, the usual cause is a missing ACL on the group.
  if (find(error, KafkaJSGroupCoordinatorNotFound)) {
    return new AuthorizationError(
      `Kafka named no coordinator for the consumer group${doing}, most likely because this client may not use the group`,
      "ask your Kafka admin for READ and DESCRIBE on it (else Kafka's internal __consumer_offsets topic is unavailable)",
      {cause: error},
    )
  }

  // A KRaft controller's listener answers a client's first request with the short list of APIs a
  // controller serves, without Metadata or Produce: most often KAFKA_BROKERS names the port next to
  // the broker's (kq kafka:up puts the controller there). kafkajs calls it an unsupported version.
  const unsupported = find(error, KafkaJSServerDoesNotSupportApiKey)
  if (unsupported) {
    return new BrokerUnreachableError(context.brokers, `it answered, but takes no ${unsupported.apiName ?? 'such'} requests: a KRaft controller's port, or a broker too old for kq?`, {
      cause: error,
      advice: "check that KAFKA_BROKERS names the brokers' client listeners (kq kafka:status shows the local ones)",
    })
  }

  const connection = find(error, KafkaJSConnectionError)
  if (connection) {
    // kafkajs sets the socket's error code on the error but leaves it out of its types.
    const {code} = connection as {code?: string}
    const tlsFailure = code ? TLS_FAILURES[code] : undefined
    const reason = tlsFailure?.reason ?? (code && CONNECTION_REASONS[code]) ?? connection.message.split('\n')[0].trim().toLowerCase()
    const named = context.noBrokerAnswered ? undefined : unreachableBrokers(error)
    const oneBrokerDown = named !== undefined && isOneBrokerRefusing(error, context.brokers)
    const advice = tlsFailure?.advice ?? (oneBrokerDown ? ONE_BROKER_DOWN : undefined)
    return new BrokerUnreachableError(named ?? context.brokers, reason, {cause: error, advice, security: context.security})
  }

  return new KqError(`Kafka request failed${doing}: ${errorMessage(error)}`, undefined, {cause: error})
}

/**
 * A refused SASL login, naming the user and the mechanism (never the password): with several
 * users and mechanisms in play, a bare "rejected the credentials" leaves the user guessing which.
 */
function refusedLogin(answer: string, doing: string, context: KafkaErrorContext, cause: unknown): KafkaRefusedError {
  const mechanism = context.login?.mechanism.toUpperCase() ?? 'SASL'
  if (/not supported by the server/.test(answer)) {
    return new KafkaRefusedError(
      `Kafka does not take the SASL mechanism ${mechanism} on ${context.brokers.join(',')}${doing}: set KAFKA_SASL_MECHANISM to one the listener takes`,
      {cause},
    )
  }

  const user = context.login ? ` for user ${context.login.username} with ${mechanism}` : ''
  // kafkajs prefixes its own words ("SASL SCRAM SHA512 authentication failed:"); the broker's follow.
  const detail = answer.replace(/^SASL [\w -]+?(authentication )?failed: /i, '').replace(/^SASL [\w -]+: /i, '')
  return new KafkaRefusedError(
    `authentication failed${user}${doing} (${detail}): check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD, and that the user exists for KAFKA_SASL_MECHANISM`,
    {cause},
  )
}
