import {strict as assert} from 'node:assert'
import {createPrivateKey, randomBytes} from 'node:crypto'
import {mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {VARIABLES} from '../../src/lib/config/index.js'
import {ExitCode} from '../../src/lib/errors.js'
import {type TestApp, makeTestApp} from '../support/app.js'
import {type CliResult, kq} from '../support/cli.js'
import {startDashboard} from '../support/dashboard.js'
import {SECURED_USERS, type SecuredKafka, type User, sharedSecuredKafka} from '../support/secured-kafka.js'

/** Fails a payload with `fail`, at once: its dead letter carries kq's failure headers. Encrypted. */
const AUDIT_JOB = `import {Job} from 'kq'

export default class Audit extends Job<{fail?: boolean}> {
  override tries = 1
  override encrypted = true

  override async handle(payload: {fail?: boolean}): Promise<void> {
    if (payload.fail) throw new Error('audit failed')
  }
}
`

/** None of the test run's own settings (its shared broker): the application's .env says all. */
const CLEAN_ENV = Object.fromEntries(VARIABLES.map(({name}) => [name, '']))

/**
 * A production-like local Kafka on one node (the run's secured Kafka: SCRAM-SHA-512 logins, ACLs,
 * TLS on the client port with client certificates required) and a client key under a passphrase.
 * kq dispatches and works jobs through it, is refused as it should be, and shows its
 * configuration, a dead letter and a process manager's files; then everything it printed or wrote
 * is searched for the secrets.
 */
describe('kq on SCRAM over mutual TLS, never showing a secret', function () {
  this.timeout(240_000)
  const {wanda, nora} = SECURED_USERS
  const wrongPassword = 'wrong-password-77d0'
  const passphrase = 'client-key-passphrase-c3b8'
  const encryptionKey = randomBytes(32).toString('base64')
  const dashboardToken = 'dashboard-token-3e9f'
  const queue = 'ledger'
  const group = 'ledger-workers'
  let security: SecuredKafka['security']
  let app: TestApp
  /** Every output of kq in this file but kafka:up's, which hands out the admin password on purpose. */
  const captured: Array<{what: string; text: string}> = []

  const as = async (user: User, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> => {
    const result = await kq(args, {cwd: app.root, env: {...CLEAN_ENV, KAFKA_SASL_USERNAME: user.name, KAFKA_SASL_PASSWORD: user.password, ...env}})
    captured.push({what: `kq ${args.join(' ')} (stdout)`, text: result.stdout}, {what: `kq ${args.join(' ')} (stderr)`, text: result.stderr})
    return result
  }

  const admin = async (args: string[]): Promise<CliResult> => {
    const result = await as(security.admin, args)
    assert.equal(result.code, 0, result.stderr)
    return result
  }

  before(async () => {
    const kafka = await sharedSecuredKafka()
    security = kafka.security
    const {tls} = kafka
    app = makeTestApp({jobs: {Audit: AUDIT_JOB}})
    // The client key as production keeps it: encrypted, with its passphrase in the configuration.
    const keyFile = path.join(app.root, 'client-key.pem')
    const key = createPrivateKey(readFileSync(tls.keyFile, 'utf8'))
    writeFileSync(keyFile, key.export({type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase}))
    const settings = {
      KAFKA_BROKERS: kafka.brokers,
      KAFKA_QUEUE: queue,
      KAFKA_CONSUMER_GROUP: group,
      KAFKA_CONNECT_TIMEOUT: '8',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: tls.caFile,
      KAFKA_SSL_CERT_FILE: tls.certFile,
      KAFKA_SSL_KEY_FILE: keyFile,
      KAFKA_SSL_KEY_PASSPHRASE: passphrase,
      KQ_ENCRYPTION_KEY: encryptionKey,
    }
    const envText = (values: Record<string, string>) => Object.entries(values).map(([name, value]) => `${name}=${value}\n`).join('')
    writeFileSync(path.join(app.root, '.env'), envText(settings))
    const {KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE, KAFKA_SSL_KEY_PASSPHRASE, ...withoutCertificate} = settings
    writeFileSync(path.join(app.root, 'no-certificate.env'), envText(withoutCertificate))
    await admin(['topic:create', '--group', group])
  })

  after(() => {
    app?.remove()
  })

  it('dispatches and works encrypted jobs over SCRAM and mutual TLS, with an encrypted client key', async () => {
    await admin(['acl:grant', '--role', 'worker', '--principal', 'User:wanda', '--queue', queue, '--group', group])
    const sent = await admin(['dispatch', 'Audit', '{}', '--json'])
    assert.ok(JSON.parse(sent.stdout).id, sent.stdout)
    await admin(['dispatch', 'Audit', '{"fail":true}'])
    const worked = await as(wanda, ['work', '--from-beginning', '--stop-when-empty', '--json'])
    assert.equal(worked.code, 0, worked.stderr)
    const statuses = worked.stdout.trim().split('\n').map((line) => (JSON.parse(line) as {status?: string}).status)
    assert.deepEqual(statuses.filter((status) => status === 'done' || status === 'dead-letter').sort(), ['dead-letter', 'done'], worked.stdout)
  })

  it('is refused by the broker without a client certificate', async () => {
    const {code, stdout, stderr} = await as(security.admin, ['topic:list', '--dotenv', 'no-certificate.env'])
    assert.equal(code, ExitCode.Unreachable)
    assert.equal(stdout, '')
    assert.match(stderr, /^Error: cannot reach Kafka at \S+ \(the broker requires a client certificate it trusts\)/)
  })

  it('answers a wrong password naming the user and the mechanism', async () => {
    const {code, stderr} = await as({name: 'wanda', password: wrongPassword}, ['topic:list'])
    assert.equal(code, ExitCode.KafkaRefused)
    assert.match(stderr, /^Error: authentication failed for user wanda with SCRAM-SHA-512 \(/)
  })

  it('answers a worker without ACLs with the grant line that fixes it', async () => {
    const {code, stderr} = await as(nora, ['work', '--from-beginning', '--stop-when-empty', '--broker-timeout', '5'])
    assert.equal(code, ExitCode.KafkaRefused)
    assert.ok(stderr.endsWith('`kq acl:grant --role worker --principal User:nora --queue ledger --group ledger-workers`\n'), stderr)
  })

  it('shows the configuration, dead letters and status as text and --json', async () => {
    const config = await admin(['config', '--json'])
    const password = JSON.parse(config.stdout).settings.find(({name}: {name: string}) => name === 'KAFKA_SASL_PASSWORD')
    assert.equal(password.value, '********')
    await admin(['config'])
    const list = await admin(['dlt:list', '--json'])
    const [letter] = JSON.parse(list.stdout).deadLetters as Array<{id: string}>
    const shown = await admin(['dlt:show', letter.id, '--json'])
    // The job is encrypted, so is its error on Kafka: dlt:show opens it with the key.
    const detail = JSON.parse(shown.stdout) as {error: {message: string}; headers: Record<string, string>}
    assert.equal(detail.error.message, 'audit failed')
    assert.match(detail.headers['kq-error-message'], /^kq-sealed:/)
    await admin(['dlt:show', letter.id])
    await admin(['status', '--json'])
    await admin(['acl:list', '--json'])
  })

  it('serves the dashboard with a token that its answers never repeat', async () => {
    const dashboard = await startDashboard([], {cwd: app.root, env: {...CLEAN_ENV, KAFKA_SASL_USERNAME: security.admin.name, KAFKA_SASL_PASSWORD: security.admin.password, KQ_DASHBOARD_TOKEN: dashboardToken}})
    let stderr = ''
    dashboard.child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    try {
      const refused = await dashboard.call('/api/queues')
      assert.equal(refused.status, 401)
      const bearer = {headers: {authorization: `Bearer ${dashboardToken}`}}
      const queues = await dashboard.call('/api/queues', bearer)
      assert.equal(queues.status, 200, JSON.stringify(queues.body))
      const letters = await dashboard.call(`/api/dead-letters?queue=${queue}`, bearer)
      const [first] = letters.body.deadLetters as Array<{id: string}>
      const letter = await dashboard.call(`/api/dead-letters/${queue}/${first.id}`, bearer)
      assert.equal(letter.status, 200, JSON.stringify(letter.body))
      for (const [what, answer] of Object.entries({refused, queues, letters, letter})) {
        captured.push({what: `dashboard ${what}`, text: `${JSON.stringify(answer.body)} ${JSON.stringify([...answer.headers])}`})
      }
    } finally {
      await dashboard.stop()
      captured.push({what: 'dashboard stderr', text: stderr}, {what: 'dashboard stdout', text: dashboard.stdout()})
    }
  })

  it('writes Supervisor and systemd files that name the env file, not its secrets', async () => {
    const out = path.join(app.root, 'deploy')
    mkdirSync(out)
    await admin(['make:supervisor', '--output', path.join(out, 'kq.conf'), '--procs', '2'])
    await admin(['make:supervisor', '--systemd', '--output', path.join(out, 'kq@.service')])
    for (const file of readdirSync(out)) captured.push({what: `make:supervisor's ${file}`, text: readFileSync(path.join(out, file), 'utf8')})
    assert.equal(readdirSync(out).length, 2)
  })

  it('leaks no password, passphrase, key or token into anything captured', () => {
    const secrets = [security.admin.password, wanda.password, nora.password, wrongPassword, passphrase, encryptionKey, dashboardToken]
    // The search itself works: the .env holds the passphrase, as it should.
    const env = readFileSync(path.join(app.root, '.env'), 'utf8')
    assert.ok(env.includes(passphrase))
    assert.ok(captured.length >= 30, `captured only ${captured.length} outputs`)
    const leaks = captured.flatMap(({what, text}) => secrets.filter((secret) => text.includes(secret)).map((secret) => `${what} shows ${secret}`))
    assert.deepEqual(leaks, [])
  })
})
