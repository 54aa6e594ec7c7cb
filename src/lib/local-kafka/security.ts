import {randomBytes} from 'node:crypto'

import {type SaslMechanism} from '../config/index.js'
import {LocalKafkaError, UsageError} from '../errors.js'

/**
 * Access control for the local Kafka, as production clusters have it: SASL (PLAIN or SCRAM) on
 * the client listener, Kafka's StandardAuthorizer with no access unless an ACL grants it, an
 * `admin` super user for setting up, and any other users the developer names (with no rights
 * until granted). It lets kq's own answers to a missing permission or a wrong password be tried
 * for real.
 */
export interface LocalSecurity {
  /** How clients log in; absent in a cluster.json written before SCRAM was offered: plain. */
  mechanism?: SaslMechanism
  /** The super user: may do anything, including granting ACLs to the others. */
  admin: {name: string; password: string}
  users: Array<{name: string; password: string}>
}

export const ADMIN_USER = 'admin'

export function newSecurity(
  users: Array<{name: string; password: string}> = [],
  mechanism: SaslMechanism = 'plain',
): LocalSecurity {
  return {mechanism, admin: {name: ADMIN_USER, password: randomBytes(12).toString('base64url')}, users}
}

/** Kafka's name for the mechanism: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512. */
export function kafkaMechanism(security: LocalSecurity): string {
  return (security.mechanism ?? 'plain').toUpperCase()
}

/** `--sasl-user alice:secret` as a user; names and passwords stay within what JAAS quoting allows. */
export function parseSaslUser(text: string): {name: string; password: string} {
  const separator = text.indexOf(':')
  const name = separator > 0 ? text.slice(0, separator) : ''
  const password = separator > 0 ? text.slice(separator + 1) : ''
  if (!/^[\w.-]+$/.test(name) || name === ADMIN_USER || !/^[\w.~!@#%^&*+=-]+$/.test(password)) {
    // The value is not repeated: it holds a password.
    throw new UsageError(
      `--sasl-user must be name:password (letters, digits, '.', '_', '-'; not "${ADMIN_USER}", which kq makes)`,
    )
  }

  return {name, password}
}

/**
 * The broker settings for a secured cluster, whose client listener is `listener` (and carries
 * the brokers' own traffic, logged in as the admin). The controller listener stays plain on
 * loopback; its principal (ANONYMOUS) is a super user so brokers and controllers can talk.
 */
export function securityProperties(security: LocalSecurity, listener: string): Array<[string, string]> {
  const mechanism = kafkaMechanism(security)
  const {admin} = security
  const jaas =
    mechanism === 'PLAIN'
      ? 'org.apache.kafka.common.security.plain.PlainLoginModule required ' +
        `username="${admin.name}" password="${admin.password}" ` +
        [admin, ...security.users].map((user) => `user_${user.name}="${user.password}"`).join(' ') +
        ';'
      : // SCRAM users live in the cluster metadata (see scramFormatArguments); this login is the brokers' own.
        `org.apache.kafka.common.security.scram.ScramLoginModule required username="${admin.name}" password="${admin.password}";`
  return [
    ['sasl.enabled.mechanisms', mechanism],
    ['sasl.mechanism.inter.broker.protocol', mechanism],
    [`listener.name.${listener.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config`, jaas],
    ['authorizer.class.name', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'],
    ['allow.everyone.if.no.acl.found', 'false'],
    ['super.users', `User:${admin.name};User:ANONYMOUS`],
  ]
}

/**
 * `kafka-storage format --add-scram` arguments: a KRaft cluster takes SCRAM credentials into
 * its first metadata, so brokers can log in to each other before any admin request is possible.
 */
export function scramFormatArguments(security: LocalSecurity | undefined): string[] {
  if (!security || kafkaMechanism(security) === 'PLAIN') return []
  const mechanism = kafkaMechanism(security)
  return [security.admin, ...security.users].flatMap((user) => [
    '--add-scram',
    `${mechanism}=[name=${user.name},password=${user.password}]`,
  ])
}

/**
 * A java launcher argument file (`java @file`) holding `args`, each quoted: arguments read from
 * a file stay out of the process's command line, where `ps` would show every SCRAM password.
 */
export function javaArgumentFile(args: string[]): string {
  return args.map((arg) => `"${arg.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"\n`).join('')
}

/** Text with every password of the cluster replaced, for messages built from a tool's output. */
export function withoutPasswords(text: string, security: LocalSecurity | undefined): string {
  if (!security) return text
  return [security.admin, ...security.users].reduce((shown, user) => shown.split(user.password).join('***'), text)
}

/** A cluster keeps the mechanism it was formatted with: SCRAM users live in its metadata. */
export function assertSameMechanism(security: LocalSecurity, wanted: SaslMechanism | undefined, dir: string): void {
  const mechanism = security.mechanism ?? 'plain'
  if (wanted === undefined || wanted === mechanism) return
  throw new LocalKafkaError(
    `the local Kafka in ${dir} was set up with --sasl ${mechanism}: run \`kq kafka:down --purge\` to start over with --sasl ${wanted}, or use another --dir`,
  )
}
