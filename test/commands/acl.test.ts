import {strict as assert} from 'node:assert'
import {readFileSync} from 'node:fs'

import {type RoleChange} from '../../src/lib/acl/index.js'
import {ExitCode} from '../../src/lib/errors.js'
import {type AclBinding, withAclAdmin} from '../../src/lib/kafka/index.js'
import {type TestApp, makeTestApp} from '../support/app.js'
import {kq} from '../support/cli.js'
import {SECURED_USERS, type SecuredKafka, type User, sharedSecuredKafka} from '../support/secured-kafka.js'

/** Fails every try of a payload with `fail`; a failed try waits a second on a delay topic. */
const AUDIT_JOB = `import {Job} from 'kq'

export default class Audit extends Job<{fail?: boolean}> {
  override tries = 2
  override backoff = 1

  override async handle(payload: {fail?: boolean}): Promise<void> {
    if (payload.fail) throw new Error('audit failed')
  }
}
`

/**
 * kq acl:* against a real Kafka with SCRAM logins and the StandardAuthorizer (the run's secured
 * Kafka: kafka:up --sasl scram-sha-512 --tls --mtls), where a principal may do nothing until
 * granted. Each role is checked by running the kq commands of that role as its principal, through
 * the real code paths.
 */
describe('kq acl:grant, acl:list and acl:revoke on a Kafka with ACLs', function () {
  this.timeout(240_000)
  const {dave, wanda, olga, vera} = SECURED_USERS
  const queue = 'audit'
  const group = 'audit-workers'
  let kafka: SecuredKafka
  let app: TestApp

  const as = (user: User, args: string[]) =>
    kq(args, {
      cwd: app.root,
      env: {
        KAFKA_BROKERS: kafka.brokers,
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: user.name,
        KAFKA_SASL_PASSWORD: user.password,
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: kafka.tls.caFile,
        KAFKA_SSL_CERT_FILE: kafka.tls.certFile,
        KAFKA_SSL_KEY_FILE: kafka.tls.keyFile,
        KAFKA_CONNECT_TIMEOUT: '8',
      },
    })
  const admin = async (args: string[]) => {
    const result = await as(kafka.security.admin, args)
    assert.equal(result.code, 0, result.stderr)
    return result
  }

  const work = (user: User) => as(user, ['work', queue, '--group', group, '--from-beginning', '--stop-when-empty', '--broker-timeout', '5'])

  before(async () => {
    kafka = await sharedSecuredKafka()
    app = makeTestApp({jobs: {Audit: AUDIT_JOB}})
    await admin(['topic:create', queue, '--group', group])
  })

  after(() => {
    app?.remove()
  })

  it('prints a role as a table with --dry-run, connecting to nothing', async () => {
    const {code, stdout, stderr} = await kq(['acl:grant', '--role', 'dispatcher', '--principal', 'User:dave', '--queue', queue, '--dry-run'], {
      env: {KAFKA_BROKERS: '127.0.0.1:1'},
    })
    assert.equal(code, 0, stderr)
    assert.match(stdout, /^Would grant \(nothing applied\): dispatcher for User:dave on queue audit, group kq-workers\n/)
    assert.match(stdout, /RESOURCE\s+PATTERN\s+NAME\s+OPERATION\s+STATUS\s+NEEDED BY/)
    assert.match(stdout, /\ntopic\s+literal\s+audit\s+WRITE\s+planned\s+kq dispatch/)
    assert.match(stdout, /\ntopic\s+literal\s+audit-delay-1s\s+WRITE\s+planned/)
  })

  it('lets a granted dispatcher dispatch, and never read', async () => {
    const denied = await as(dave, ['dispatch', 'Audit', '{}', '--queue', queue])
    assert.equal(denied.code, ExitCode.KafkaRefused, denied.stderr)
    assert.match(denied.stderr, /^Error: Kafka denied permission while .* \(\w+_AUTHORIZATION_FAILED\): a Kafka admin can grant what a dispatcher needs with/)
    assert.ok(denied.stderr.endsWith(' with `kq acl:grant --role dispatcher --principal User:dave --queue audit`\n'), denied.stderr)

    const {stdout} = await admin(['acl:grant', '--role', 'dispatcher', '--principal', 'User:dave', '--queue', queue, '--json'])
    const granted = JSON.parse(stdout) as RoleChange
    assert.equal(granted.dryRun, false)
    assert.ok(granted.acls.length > 0 && granted.acls.every((acl) => acl.status === 'added'))

    const sent = await as(dave, ['dispatch', 'Audit', '{}', '--queue', queue])
    assert.equal(sent.code, 0, sent.stderr)
    const later = await as(dave, ['dispatch', 'Audit', '{}', '--queue', queue, '--delay', '2'])
    assert.equal(later.code, 0, later.stderr)
    const failing = await as(dave, ['dispatch', 'Audit', '{"fail":true}', '--queue', queue])
    assert.equal(failing.code, 0, failing.stderr)

    const reading = await work(dave)
    assert.equal(reading.code, ExitCode.KafkaRefused, reading.stderr)
    assert.equal(reading.stderr.trim().split('\n').length, 1, reading.stderr)
  })

  it('says what exists already when a role is granted again', async () => {
    const {stdout} = await admin(['acl:grant', '--role', 'dispatcher', '--principal', 'User:dave', '--queue', queue, '--json'])
    assert.ok((JSON.parse(stdout) as RoleChange).acls.every((acl) => acl.status === 'exists'))
  })

  it('lets a granted worker run jobs, retry them through a delay topic and dead-letter them', async () => {
    const denied = await work(wanda)
    assert.equal(denied.code, ExitCode.KafkaRefused, denied.stderr)
    assert.ok(denied.stderr.includes('`kq acl:grant --role worker --principal User:wanda --queue audit --group audit-workers`'), denied.stderr)

    await admin(['acl:grant', '--role', 'worker', '--principal', 'User:wanda', '--queue', queue, '--group', group])
    const {code, stdout, stderr} = await work(wanda)
    assert.equal(code, 0, stderr)
    assert.equal(stdout.match(/Audit \.+ \S+ DONE/g)?.length, 2, stdout)
    assert.match(stdout, /FAIL/)

    // A worker reads the queue's topic but may not write it: the refusal names what is missing.
    const dispatching = await as(wanda, ['dispatch', 'Audit', '{}', '--queue', queue])
    assert.equal(dispatching.code, ExitCode.KafkaRefused, 'a worker may not dispatch to the queue')
    assert.equal(
      dispatching.stderr,
      'Error: Kafka denied WRITE on the topic while sending to audit (TOPIC_AUTHORIZATION_FAILED): ' +
        'a Kafka admin can grant what a dispatcher needs with `kq acl:grant --role dispatcher --principal User:wanda --queue audit`\n',
    )
  })

  it('lets a granted operator see status, list and replay dead letters, and pause and continue the queue', async () => {
    const denied = await as(olga, ['dlt:list', queue, '--group', group])
    assert.notEqual(denied.code, 0)
    // Kafka lists only the topics a principal may describe: granted the group but another queue,
    // finding none is not "no queues yet", which would pass a --max-lag check that was never made.
    await admin(['acl:grant', '--role', 'operator', '--principal', 'User:olga', '--queue', 'audit-elsewhere', '--group', group])
    const blind = await as(olga, ['status', '--group', group, '--max-lag', '0'])
    assert.equal(blind.code, ExitCode.KafkaRefused, blind.stdout)
    assert.match(blind.stderr, /^Error: no queue named default .*User:olga may not see it: `kq acl:grant --role operator --principal User:olga --queue default --group audit-workers`/)

    await admin(['acl:grant', '--role', 'operator', '--principal', 'User:olga', '--queue', queue, '--group', group])
    const status = await as(olga, ['status', queue, '--group', group, '--json'])
    assert.equal(status.code, 0, status.stderr)
    const list = await as(olga, ['dlt:list', queue, '--group', group, '--json'])
    assert.equal(list.code, 0, list.stderr)
    assert.equal(JSON.parse(list.stdout).deadLetters.length, 1, list.stdout)
    const replay = await as(olga, ['dlt:replay', queue, '--group', group, '--yes'])
    assert.equal(replay.code, 0, replay.stderr)
    for (const control of ['pause', 'continue']) {
      const result = await as(olga, [control, queue])
      assert.equal(result.code, 0, result.stderr)
    }

    // An operator may describe the group, so it joins as far as Kafka's refusal to let it read.
    const reading = await as(olga, ['work', queue, '--group', group, '--stop-when-empty', '--broker-timeout', '30'])
    assert.equal(reading.code, ExitCode.KafkaRefused, `an operator runs no jobs: ${reading.stderr}`)
    assert.equal(
      reading.stderr,
      'Error: Kafka denied READ on the consumer group while consuming as group audit-workers (GROUP_AUTHORIZATION_FAILED): ' +
        'a Kafka admin can grant what a worker needs with `kq acl:grant --role worker --principal User:olga --queue audit --group audit-workers`\n',
    )
  })

  it('lists the ACLs of a principal, in a table and in --json', async () => {
    const {stdout} = await admin(['acl:list', '--principal', 'User:dave', '--json'])
    const {acls} = JSON.parse(stdout) as {acls: AclBinding[]}
    assert.ok(acls.length > 0 && acls.every((acl) => acl.principal === 'User:dave'))
    assert.ok(acls.some((acl) => acl.resourceType === 'topic' && acl.name === queue && acl.operation === 'write'))
    const table = await admin(['acl:list'])
    assert.match(table.stdout, /User:wanda\s+group\s+literal\s+audit-workers\s+READ\s+ALLOW\s+\*/)
  })

  it('shows "no DESCRIBE" in kq status for the topics of a queue a principal may not describe, not a dash', async () => {
    // Allowed to see the queue's topic and its groups, but none of its retry, delay or dead-letter topics.
    const binding = (resourceType: 'topic' | 'group', name: string) =>
      ({principal: 'User:vera', host: '*', resourceType, name, pattern: 'literal', operation: 'describe', permission: 'allow'}) as const
    const bindings = [binding('topic', queue), binding('group', group), binding('group', `${group}-dlt`)]
    const {admin: login} = kafka.security
    const connection = {
      brokers: kafka.brokers.split(','),
      clientId: 'kq-test',
      connectTimeoutMs: 10_000,
      ssl: true,
      tls: {ca: readFileSync(kafka.tls.caFile, 'utf8'), cert: readFileSync(kafka.tls.certFile, 'utf8'), key: readFileSync(kafka.tls.keyFile, 'utf8'), rejectUnauthorized: true},
      sasl: {mechanism: 'scram-sha-512' as const, username: login.name, password: login.password},
    }
    await withAclAdmin(connection, (acls) => acls.createAcls(bindings))
    try {
      const {code, stdout, stderr} = await as(vera, ['status', queue, '--group', group, '--sample', '0', '--brief'])
      assert.equal(code, 0, stderr)
      assert.match(stdout, /\naudit +\d+ +no DESCRIBE +no DESCRIBE +no DESCRIBE +0 /, stdout)
    } finally {
      await withAclAdmin(connection, (acls) => acls.deleteAcls(bindings))
    }
  })

  it('takes a role away with acl:revoke', async () => {
    const {stdout} = await admin(['acl:revoke', '--role', 'dispatcher', '--principal', 'User:dave', '--queue', queue, '--json'])
    assert.ok((JSON.parse(stdout) as RoleChange).acls.every((acl) => acl.status === 'removed'))
    const denied = await as(dave, ['dispatch', 'Audit', '{}', '--queue', queue])
    assert.equal(denied.code, ExitCode.KafkaRefused, denied.stderr)
    const listed = await admin(['acl:list', '--principal', 'User:dave'])
    assert.equal(listed.stdout.trim(), 'No ACLs.')
  })
})
