import {strict as assert} from 'node:assert'
import path from 'node:path'

import {ExitCode} from '../../../src/lib/errors.js'
import {type LocalSecurity, stopLocalKafka} from '../../../src/lib/local-kafka/index.js'
import {kq} from '../../support/cli.js'
import {kcat} from '../../support/kcat.js'
import {discardLocalKafka} from '../../support/kafka.js'
import {JAR_CACHE, TEST_KAFKA_ROOT} from '../../support/paths.js'
import {freePortRange} from '../../support/ports.js'

/**
 * kafka:up --sasl scram-sha-512 against a real broker: SCRAM users made at format time, the
 * StandardAuthorizer on, and kcat (librdkafka) logging in with SCRAM on its own.
 */
describe('kafka:up --sasl scram-sha-512', function () {
  this.timeout(180_000)
  const dir = path.join(TEST_KAFKA_ROOT, `scram-${process.pid}`)
  const alice = {name: 'alice', password: 'alice-scram-secret'}
  let brokers: string
  let security: LocalSecurity

  const as = (user: {name: string; password: string}, mechanism: string, args: string[]) =>
    kq(args, {
      env: {
        KAFKA_BROKERS: brokers,
        KAFKA_SASL_MECHANISM: mechanism,
        KAFKA_SASL_USERNAME: user.name,
        KAFKA_SASL_PASSWORD: user.password,
        KAFKA_CONNECT_TIMEOUT: '8',
      },
    })

  before(async () => {
    await stopLocalKafka({dir, purge: true})
    const port = await freePortRange(2)
    // Kafka 3.9: the kcat of Debian links a librdkafka older than 2.6.1, which repeats the client
    // nonce in its SCRAM proof; Kafka 4 checks the nonce strictly (RFC 5802) and refuses every
    // such login, so the independent client could not check kq's SCRAM on 4.x.
    const up = ['kafka:up', '--sasl', 'scram-sha-512', '--sasl-user', `${alice.name}:${alice.password}`, '--kafka-version', '3.9.2']
    const {code, stdout, stderr} = await kq([...up, '--port', String(port), '--dir', dir, '--cache-dir', JAR_CACHE, '--json'], {
      timeoutMs: 180_000,
    })
    assert.equal(code, 0, stderr)
    const started = JSON.parse(stdout)
    brokers = started.bootstrap
    security = started.security
  })

  after(async () => {
    await discardLocalKafka(dir)
  })

  it('reports the mechanism and the admin login in --json and in text', async () => {
    assert.equal(security.mechanism, 'scram-sha-512')
    assert.equal(security.admin.name, 'admin')
    assert.ok(security.admin.password.length >= 12)
    const {stdout} = await kq(['kafka:status', '--dir', dir])
    assert.ok(
      stdout.includes(
        `SASL/SCRAM-SHA-512 and ACLs are on. As the admin: export KAFKA_SASL_MECHANISM=scram-sha-512 KAFKA_SASL_USERNAME=admin KAFKA_SASL_PASSWORD=${security.admin.password}`,
      ),
      stdout,
    )
  })

  it('lets the admin create a queue over SCRAM, as kcat logged in with SCRAM sees', async () => {
    const {code, stderr} = await as(security.admin, 'scram-sha-512', ['topic:create', 'scram-audit'])
    assert.equal(code, 0, stderr)
    const login = ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=SCRAM-SHA-512']
    const user = ['-X', `sasl.username=${alice.name}`, '-X', `sasl.password=${alice.password}`]
    // alice exists (her login works) but may see no topic until granted.
    const metadata = JSON.parse(await kcat(['-b', brokers, ...login, ...user, '-L', '-J']))
    assert.ok(!metadata.topics.some((topic: {topic: string}) => topic.topic === 'scram-audit'))
    const admin = ['-X', `sasl.username=admin`, '-X', `sasl.password=${security.admin.password}`]
    const seen = JSON.parse(await kcat(['-b', brokers, ...login, ...admin, '-L', '-J', '-t', 'scram-audit']))
    assert.ok(seen.topics.some((topic: {topic: string}) => topic.topic === 'scram-audit'))
  })

  it('answers a wrong password with one line naming the user and the mechanism, and exit code 6', async () => {
    const {code, stdout, stderr} = await as({name: alice.name, password: 'not-hers'}, 'scram-sha-512', ['topic:list'])
    assert.equal(code, ExitCode.KafkaRefused)
    assert.equal(stdout, '')
    assert.equal(stderr.trim().split('\n').length, 1, stderr)
    assert.match(stderr, /^Error: authentication failed for user alice with SCRAM-SHA-512 \(.+\): check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD, and that the user exists for KAFKA_SASL_MECHANISM\n$/)
    assert.ok(!stderr.includes('not-hers'), stderr)
  })

  it('refuses a mechanism the listener does not take', async () => {
    const {code, stderr} = await as(security.admin, 'scram-sha-256', ['topic:list'])
    assert.equal(code, ExitCode.KafkaRefused)
    assert.equal(stderr.trim().split('\n').length, 1, stderr)
    assert.match(stderr, /^Error: (Kafka does not take the SASL mechanism SCRAM-SHA-256|authentication failed for user admin with SCRAM-SHA-256)/)
  })

  it('keeps the mechanism a cluster was made with', async () => {
    const {code, stderr} = await kq(['kafka:up', '--sasl', 'plain', '--dir', dir, '--cache-dir', JAR_CACHE])
    assert.equal(code, ExitCode.LocalKafka)
    assert.match(stderr, /was set up with --sasl scram-sha-512: run `kq kafka:down --purge`/)
  })
})
