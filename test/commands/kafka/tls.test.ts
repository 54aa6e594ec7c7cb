import {strict as assert} from 'node:assert'
import {execFileSync} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {ExitCode} from '../../../src/lib/errors.js'
import {type LocalSecurity, type LocalTlsFiles, stopLocalKafka} from '../../../src/lib/local-kafka/index.js'
import {kq} from '../../support/cli.js'
import {discardLocalKafka} from '../../support/kafka.js'
import {JAR_CACHE, TEST_KAFKA_ROOT} from '../../support/paths.js'
import {freePortRange} from '../../support/ports.js'

/**
 * A real 3-node Kafka 4 with everything a production cluster has: SCRAM-SHA-256 logins, ACLs,
 * and TLS on the client port with client certificates required (kafka:up --sasl scram-sha-256
 * --tls --mtls). kcat (OpenSSL and librdkafka) checks the same listener on its own.
 */
describe('kafka:up --tls --mtls with SCRAM on 3 nodes', function () {
  this.timeout(300_000)
  const dir = path.join(TEST_KAFKA_ROOT, `tls-${process.pid}`)
  let brokers: string
  let security: LocalSecurity
  let tls: LocalTlsFiles
  let upText: string

  const login = (overrides: NodeJS.ProcessEnv = {}) => ({
    KAFKA_BROKERS: brokers,
    KAFKA_SASL_MECHANISM: 'scram-sha-256',
    KAFKA_SASL_USERNAME: security.admin.name,
    KAFKA_SASL_PASSWORD: security.admin.password,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: tls.caFile,
    KAFKA_SSL_CERT_FILE: tls.certFile,
    KAFKA_SSL_KEY_FILE: tls.keyFile,
    KAFKA_CONNECT_TIMEOUT: '8',
    ...overrides,
  })
  before(async () => {
    await stopLocalKafka({dir, purge: true})
    const port = await freePortRange(6)
    const common = ['--nodes', '3', '--kafka-version', '4.1.2', '--heap', '384', '--port', String(port), '--dir', dir, '--cache-dir', JAR_CACHE]
    const up = await kq(['kafka:up', '--sasl', 'scram-sha-256', '--tls', '--mtls', ...common, '--json'], {timeoutMs: 300_000})
    assert.equal(up.code, 0, up.stderr)
    const started = JSON.parse(up.stdout)
    ;({security, tls} = started)
    brokers = started.bootstrap
    upText = (await kq(['kafka:status', '--dir', dir])).stdout
  })

  after(async () => {
    await discardLocalKafka(dir)
  })

  it('prints the .env lines that connect, with the files under the cluster folder', () => {
    assert.equal(security.mechanism, 'scram-sha-256')
    assert.deepEqual(
      [tls.caFile, tls.certFile, tls.keyFile].map((file) => path.relative(dir, file)),
      ['tls/ca.pem', 'tls/client.pem', 'tls/client-key.pem'],
    )
    assert.match(upText, /TLS with client certificates on the client port\. Connect with: export KAFKA_SSL=true KAFKA_SSL_CA_FILE=\S+ca\.pem KAFKA_SSL_CERT_FILE=\S+client\.pem KAFKA_SSL_KEY_FILE=\S+client-key\.pem/)
    assert.match(upText, /SASL\/SCRAM-SHA-256 and ACLs are on/)
  })

  it('says the broker requires a client certificate when none is given', async () => {
    const {code, stdout, stderr} = await kq(['topic:list'], {env: login({KAFKA_SSL_CERT_FILE: '', KAFKA_SSL_KEY_FILE: ''})})
    assert.equal(code, ExitCode.Unreachable)
    assert.equal(stdout, '')
    assert.match(stderr, /^Error: cannot reach Kafka at \S+ \(the broker requires a client certificate it trusts\): set KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE to a client certificate signed by the cluster's CA, and its key\n$/)
  })

  it("says the broker does not trust a client certificate that the cluster's CA did not sign", async () => {
    const other = mkdtempSync(path.join(tmpdir(), 'kq-other-cert-'))
    const [certFile, keyFile] = [path.join(other, 'client.pem'), path.join(other, 'client-key.pem')]
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=stranger', '-keyout', keyFile, '-out', certFile], {stdio: 'ignore'})
    const {code, stdout, stderr} = await kq(['topic:list'], {env: login({KAFKA_SSL_CERT_FILE: certFile, KAFKA_SSL_KEY_FILE: keyFile})})
    assert.equal(code, ExitCode.Unreachable)
    assert.equal(stdout, '')
    assert.match(stderr, /^Error: cannot reach Kafka at \S+ \(the broker requires a client certificate it trusts\): set KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE to a client certificate signed by the cluster's CA, and its key\n$/)
  })

  it('says the broker is not signed by a trusted CA without KAFKA_SSL_CA_FILE', async () => {
    const {code, stderr} = await kq(['topic:list'], {env: login({KAFKA_SSL_CA_FILE: ''})})
    assert.equal(code, ExitCode.Unreachable)
    assert.match(stderr, /^Error: cannot reach Kafka at \S+ \(the broker's TLS certificate is not signed by a CA kq trusts\): set KAFKA_SSL_CA_FILE to the PEM file of the cluster's CA\n$/)
  })

  it('says the certificate does not name the host when connecting by another name', async () => {
    const byName = brokers.split(',').map((broker) => broker.replace('127.0.0.1', 'localhost')).join(',')
    const {code, stderr} = await kq(['topic:list'], {env: login({KAFKA_BROKERS: byName})})
    assert.equal(code, ExitCode.Unreachable)
    assert.match(stderr, /^Error: cannot reach Kafka at localhost:\d+,\S+ \(the broker's TLS certificate does not name this host\): set KAFKA_BROKERS to a host name or address that the certificate holds\n$/)
  })
})
