import {ConfigError, UsageError} from '../errors.js'

/**
 * Parsers for configuration values. Each takes the raw text and a label that names where the
 * value came from (`KAFKA_PARTITIONS (from .env)` or `--partitions`), and throws a ConfigError
 * that names the label, the value and what was expected.
 */

export interface RawValue {
  /** What the user wrote. */
  raw: string
  /** The variable or flag, and where it was read: used verbatim in error messages. */
  label: string
  /** Typed on the command line: a bad value is then a usage error, not a configuration error. */
  fromCommandLine?: boolean
}

function invalid(value: RawValue, expected: string, detail?: string): ConfigError | UsageError {
  const message = `${value.label} must be ${expected}, got ${JSON.stringify(value.raw)}${detail ? ` (${detail})` : ''}`
  return value.fromCommandLine ? new UsageError(message) : new ConfigError(message)
}

export function positiveInteger(value: RawValue): number {
  const text = value.raw.trim()
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw invalid(value, 'a positive integer')
  }

  return Number(text)
}

/** 0, 1, 2...: a count or an index. */
export function nonNegativeInteger(value: RawValue): number {
  const text = value.raw.trim()
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw invalid(value, 'a whole number, 0 or more')
  return Number(text)
}

/** A TCP port, 1 to 65535. */
export function portNumber(value: RawValue): number {
  const text = value.raw.trim()
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 65_535) throw invalid(value, 'a port number from 1 to 65535')
  return Number(text)
}

export function booleanValue(value: RawValue): boolean {
  const text = value.raw.trim().toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(text)) return true
  if (['0', 'false', 'no', 'off', ''].includes(text)) return false
  throw invalid(value, 'true or false')
}

export function oneOf<T extends string>(value: RawValue, choices: readonly T[]): T {
  const text = value.raw.trim().toLowerCase()
  const match = choices.find((choice) => choice === text)
  if (match === undefined) throw invalid(value, `one of ${choices.join(', ')}`)
  return match
}

/**
 * A value typed on the command line that must say something, refused when empty with what to
 * give instead: `--job "$JOB"` with the variable unset reads as no filter at all, and a purge
 * or a replay would take every dead letter.
 */
export function refuseEmpty<T extends string | undefined>(value: T, name: string, remedy: string): T {
  if (value === '') throw new UsageError(`${name} must not be empty: ${remedy}`)
  return value
}

export function nonEmpty(value: RawValue): string {
  const text = value.raw.trim()
  if (text === '') throw invalid(value, 'a non-empty string')
  return text
}

/**
 * Kafka's own rule for topic names (legal characters, at most 249 of them), less room for the
 * longest suffix kq adds, so that a queue's retry and dead-letter topics are legal too.
 */
export const MAX_QUEUE_TOPIC_LENGTH = 249 - '-retry'.length

export function topicName(value: RawValue): string {
  const text = value.raw.trim()
  if (text === '.' || text === '..' || !/^[\w.-]+$/.test(text) || text.length > MAX_QUEUE_TOPIC_LENGTH) {
    throw invalid(value, `a Kafka topic name (letters, digits, '.', '_', '-'; at most ${MAX_QUEUE_TOPIC_LENGTH} characters)`)
  }

  return text
}

/** Names Kafka accepts for a client id or consumer group, kept printable for logs and ACLs. */
export function identifier(value: RawValue): string {
  const text = value.raw.trim()
  if (!/^[\w.:-]+$/.test(text)) throw invalid(value, "a name of letters, digits, '.', '_', ':', '-'")
  return text
}

/** `host:port[,host:port...]`, as Kafka's bootstrap.servers. */
export function brokerList(value: RawValue): string[] {
  const brokers = value.raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
  if (brokers.length === 0) throw invalid(value, 'a comma-separated list of host:port')
  for (const broker of brokers) {
    const match = /^(\[[\da-f:.]+\]|[\w.-]+):(\d{1,5})$/i.exec(broker)
    const port = match ? Number(match[2]) : 0
    if (!match || port < 1 || port > 65_535) {
      const detail = brokers.length > 1 ? `${JSON.stringify(broker)} is not host:port` : undefined
      throw invalid(value, 'a comma-separated list of host:port', detail)
    }
  }

  return brokers
}
