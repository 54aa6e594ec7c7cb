import {strict as assert} from 'node:assert'
import {execFile} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {ExitCode} from '../../../src/lib/errors.js'
import {type LocalSecurity, stopLocalKafka} from '../../../src/lib/local-kafka/index.js'
import {type TestApp, jobSource, makeTestApp} from '../../support/app.js'
import {ensureKafkaJars} from '../../../src/lib/local-kafka/runtime.js'
import {kq} from '../../support/cli.js'
import {kcat} from '../../support/kcat.js'
import {discardLocalKafka} from '../../support/kafka.js'
import {JAR_CACHE, TEST_KAFKA_ROOT} from '../../support/paths.js'
import {freePortRange} from '../../support/ports.js'

const ACL_TOOL_KAFKA_VERSION = '3.9.2'

/**
 * Access control against a real secured Kafka (kafka:up --sasl: SASL/PLAIN, StandardAuthorizer,
 * no access without an ACL). ACLs are granted with Kafka's own AclCommand (from the 3.9 jars),
 * and kcat logs in on its own: both independent of kq.
 */
describe('kq against a Kafka with SASL logins and ACLs (kafka:up --sasl)', function () {
  this.timeout(180_000)
  const dir = path.join(TEST_KAFKA_ROOT, `secure-${process.pid}`)
  let brokers: string
  let security: LocalSecurity
  let app: TestApp

  /** kq as a user of the secured cluster. */
  const as = (user: {name: string; password: string} | undefined, args: string[]) =>
    kq(args, {
      cwd: app.root,
      env: {
        KAFKA_BROKERS: brokers,
        KAFKA_SASL_MECHANISM: user ? 'plain' : '',
        KAFKA_SASL_USERNAME: user?.name ?? '',
        KAFKA_SASL_PASSWORD: user?.password ?? '',
        KAFKA_CONNECT_TIMEOUT: '8',
      },
    })
  const alice = {name: 'alice', password: 'alice-secret'}

  /** Grants ACLs with Kafka's own tool, logged in as the admin. */
  async function grant(args: string[]): Promise<void> {
    const config = path.join(os.tmpdir(), `kq-acl-${process.pid}.properties`)
    writeFileSync(
      config,
      [
        'security.protocol=SASL_PLAINTEXT',
        'sasl.mechanism=PLAIN',
        `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${security.admin.name}" password="${security.admin.password}";`,
      ].join('\n'),
    )
    // Kafka 4 moved AclCommand out of the broker's jars into kafka-tools; the 3.9 broker jars
    // still hold it, and its admin client speaks to a 4.x broker as well.
    const classpath = path.join(await ensureKafkaJars(ACL_TOOL_KAFKA_VERSION, JAR_CACHE), '*')
    await new Promise<void>((resolve, reject) => {
      execFile(
        'java',
        ['-cp', classpath, 'kafka.admin.AclCommand', '--bootstrap-server', brokers, '--command-config', config, '--add', ...args],
        {timeout: 60_000},
        (error, _stdout, stderr) => (error ? reject(new Error(`AclCommand failed: ${stderr}`)) : resolve()),
      )
    })
  }

  const kcatAs = (user: {name: string; password: string}) => [
    '-b',
    brokers,
    '-X',
    'security.protocol=SASL_PLAINTEXT',
    '-X',
    'sasl.mechanisms=PLAIN',
    '-X',
    `sasl.username=${user.name}`,
    '-X',
    `sasl.password=${user.password}`,
  ]

  before(async () => {
    await stopLocalKafka({dir, purge: true})
    const port = await freePortRange(2)
    const {code, stdout, stderr} = await kq(
      ['kafka:up', '--sasl', '--sasl-user', `${alice.name}:${alice.password}`, '--port', String(port), '--dir', dir, '--cache-dir', JAR_CACHE, '--json'],
      {timeoutMs: 180_000},
    )
    assert.equal(code, 0, stderr)
    const started = JSON.parse(stdout)
    brokers = started.bootstrap
    security = started.security
    app = makeTestApp({jobs: {Audit: jobSource('Audit')}})
  })

  after(async () => {
    await discardLocalKafka(dir)
    app?.remove()
  })

  it('makes an admin with a password of its own and names the other users', async () => {
    assert.equal(security.admin.name, 'admin')
    assert.ok(security.admin.password.length >= 12)
    assert.deepEqual(security.users, [alice])
    const {stdout} = await kq(['kafka:status', '--dir', dir])
    assert.match(stdout, /SASL\/PLAIN and ACLs are on\. As the admin: export KAFKA_SASL_MECHANISM=plain KAFKA_SASL_USERNAME=admin KAFKA_SASL_PASSWORD=\S+/)
    assert.match(stdout, /Users with no rights until granted: alice/)
  })

  it('lets the admin create a queue, as kcat logged in as the admin sees', async () => {
    const {code, stderr} = await as(security.admin, ['topic:create', 'audit'])
    assert.equal(code, 0, stderr)
    const metadata = JSON.parse(await kcat([...kcatAs(security.admin), '-L', '-J', '-t', 'audit']))
    assert.ok(metadata.topics.some((topic: {topic: string}) => topic.topic === 'audit'))
  })

  it('answers a wrong password with one line and exit code 6', async () => {
    const {code, stdout, stderr} = await as({name: 'admin', password: 'not-it'}, ['topic:list'])
    assert.equal(code, ExitCode.KafkaRefused)
    assert.equal(stdout, '')
    assert.match(stderr, /^Error: authentication failed for user admin with PLAIN \(.*Invalid username or password\): check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD, and that the user exists for KAFKA_SASL_MECHANISM\n$/)
  })

  it('tells a client without a login that the cluster may want SASL', async () => {
    const {code, stderr} = await as(undefined, ['topic:list'])
    assert.equal(code, ExitCode.Unreachable)
    assert.match(stderr, /^Error: cannot reach Kafka at .* \(closed connection\): if the cluster requires SASL or TLS, set KAFKA_SASL_MECHANISM/)
  })

  it('answers a missing permission with one line, exit code 6, and creates nothing', async () => {
    const {code, stderr} = await as(alice, ['topic:create', 'alices-queue'])
    assert.equal(code, ExitCode.KafkaRefused)
    assert.equal(
      stderr,
      `Error: Kafka denied permission while creating alices-queue, alices-queue-retry, alices-queue-dlt, ${['1s', '10s', '1m', '10m', '1h', '1d'].map((rung) => `alices-queue-delay-${rung}`).join(', ')} (TOPIC_AUTHORIZATION_FAILED): ask your Kafka admin for an ACL on the topic for this client's principal\n`,
    )
    const metadata = JSON.parse(await kcat([...kcatAs(security.admin), '-L', '-J']))
    assert.ok(!metadata.topics.some((topic: {topic: string}) => topic.topic.startsWith('alices-queue')))
  })

  it('refuses a dispatch without WRITE, and sends it once granted', async () => {
    const denied = await as(alice, ['dispatch', 'Audit', '{"n":1}', '--queue', 'audit'])
    assert.equal(denied.code, ExitCode.KafkaRefused)
    assert.match(denied.stderr, /^Error: Kafka (denied permission|refused the request)/)
    assert.equal(denied.stderr.trim().split('\n').length, 1)

    await grant(['--allow-principal', 'User:alice', '--operation', 'Write', '--operation', 'Describe', '--topic', 'audit'])
    const allowed = await as(alice, ['dispatch', 'Audit', '{"n":2}', '--queue', 'audit', '--json'])
    assert.equal(allowed.code, 0, allowed.stderr)
    const records = (await kcat([...kcatAs(security.admin), '-C', '-t', 'audit', '-e', '-q', '-f', '%s\n'])).trim().split('\n')
    assert.equal(records.length, 1)
    assert.deepEqual(JSON.parse(records[0]).payload, {n: 2})
  })

  it('stops a worker that may not read its group with one line, and works once granted', async () => {
    // A worker reads the queue, its retry and delay topics, and writes retries, delays and dead letters.
    const delayTopics = ['1s', '10s', '1m', '10m', '1h', '1d'].flatMap((rung) => ['--topic', `audit-delay-${rung}`])
    await grant(['--allow-principal', 'User:alice', '--operation', 'Read', '--operation', 'Describe', '--topic', 'audit', '--topic', 'audit-retry', ...delayTopics])
    await grant(['--allow-principal', 'User:alice', '--operation', 'Write', '--operation', 'Describe', '--topic', 'audit-retry', '--topic', 'audit-dlt', ...delayTopics])
    const denied = await as(alice, ['work', 'audit', '--group', 'audit-workers', '--from-beginning', '--stop-when-empty', '--broker-timeout', '5'])
    assert.equal(denied.code, ExitCode.KafkaRefused)
    assert.equal(
      denied.stderr,
      'Error: Kafka named no coordinator for the consumer group while describing group audit-workers, most likely because this client may not use the group: ' +
        'a Kafka admin can grant what a worker needs with `kq acl:grant --role worker --principal User:alice --queue audit --group audit-workers`\n',
    )

    await grant(['--allow-principal', 'User:alice', '--operation', 'Read', '--operation', 'Describe', '--group', 'audit-workers'])
    const allowed = await as(alice, ['work', 'audit', '--group', 'audit-workers', '--from-beginning', '--stop-when-empty'])
    assert.equal(allowed.code, 0, allowed.stderr)
    assert.match(allowed.stdout, /Audit \.+ \d+\.\d+ms DONE/)
  })

  it("stops a worker that may not read the control topic through its reader group with one line naming the grant, not kafkajs's words", async () => {
    // The control topic exists once something was asked of the workers; alice may read it and her
    // group, but not the prefixed audit-workers-control groups its reader joins.
    const asked = await as(security.admin, ['restart'])
    assert.equal(asked.code, 0, asked.stderr)
    await grant(['--allow-principal', 'User:alice', '--operation', 'Read', '--operation', 'Describe', '--topic', 'kq-control'])
    const denied = await as(alice, ['work', 'audit', '--group', 'audit-workers', '--broker-timeout', '5'])
    assert.equal(denied.code, ExitCode.KafkaRefused, denied.stderr)
    assert.equal(
      denied.stderr,
      'Error: Kafka named no coordinator for the consumer group while reading kq-control, most likely because this client may not use the group: ' +
        'a Kafka admin can grant what a worker needs with `kq acl:grant --role worker --principal User:alice --queue audit --group audit-workers`\n',
    )
  })

  it('answers kq restart by a user without the operator role with the grant line that gives it', async () => {
    const denied = await as(alice, ['restart'])
    assert.equal(denied.code, ExitCode.KafkaRefused)
    assert.match(
      denied.stderr,
      /^Error: Kafka denied (permission|WRITE on the topic) while [^\n]*kq-control \(TOPIC_AUTHORIZATION_FAILED\): a Kafka admin can grant what an operator needs with `kq acl:grant --role operator --principal User:alice --queue \S+ --group \S+`\n$/,
    )
  })
})

