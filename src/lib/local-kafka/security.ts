import {randomBytes} from 'node:crypto'

import {UsageError} from '../errors.js'

/**
 * Access control for the local Kafka, as production clusters have it: SASL/PLAIN on the client
 * listener, Kafka's StandardAuthorizer with no access unless an ACL grants it, an `admin` super
 * user for setting up, and any other users the developer names (with no rights until granted).
 * It lets kq's own answers to a missing permission or a wrong password be tried for real.
 */
export interface LocalSecurity {
  /** The super user: may do anything, including granting ACLs to the others. */
  admin: {name: string; password: string}
  users: Array<{name: string; password: string}>
}

export const ADMIN_USER = 'admin'

export function newSecurity(users: Array<{name: string; password: string}> = []): LocalSecurity {
  return {admin: {name: ADMIN_USER, password: randomBytes(12).toString('base64url')}, users}
}

/** `--sasl-user alice:secret` as a user; names and passwords stay within what JAAS quoting allows. */
export function parseSaslUser(text: string): {name: string; password: string} {
  const separator = text.indexOf(':')
  const name = separator > 0 ? text.slice(0, separator) : ''
  const password = separator > 0 ? text.slice(separator + 1) : ''
  if (!/^[\w.-]+$/.test(name) || name === ADMIN_USER || !/^[\w.~!@#%^&*+=-]+$/.test(password)) {
    throw new UsageError(
      `--sasl-user must be name:password (letters, digits, '.', '_', '-'; not "${ADMIN_USER}", which kq makes), got ${JSON.stringify(text)}`,
    )
  }

  return {name, password}
}

/**
 * The broker settings for a secured cluster. The controller listener stays plain on loopback;
 * its principal (ANONYMOUS) is a super user so brokers and controllers can talk, while every
 * client connects through SASL.
 */
export function securityProperties(security: LocalSecurity): Array<[string, string]> {
  const users = [security.admin, ...security.users].map((user) => `user_${user.name}="${user.password}"`).join(' ')
  const jaas =
    'org.apache.kafka.common.security.plain.PlainLoginModule required ' +
    `username="${security.admin.name}" password="${security.admin.password}" ${users};`
  return [
    ['sasl.enabled.mechanisms', 'PLAIN'],
    ['sasl.mechanism.inter.broker.protocol', 'PLAIN'],
    ['listener.name.sasl_plaintext.plain.sasl.jaas.config', jaas],
    ['authorizer.class.name', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'],
    ['allow.everyone.if.no.acl.found', 'false'],
    ['super.users', `User:${security.admin.name};User:ANONYMOUS`],
  ]
}
