import {strict as assert} from 'node:assert'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {loadConfig} from '../../../src/lib/config/index.js'

/** TLS settings: each file is read and checked when the configuration loads, and a bad one is named. */
describe('TLS settings (KAFKA_SSL_*)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kq-tls-config-'))
  const file = (name: string) => path.join(dir, name)
  const openssl = (args: string[]) => execFileSync('openssl', args, {cwd: dir, stdio: 'pipe'})
  const passphrase = 'key-passphrase-for-tests'

  before(() => {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=test-ca'])
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client-key.pem', '-out', 'client.pem', '-days', '1', '-subj', '/CN=client'])
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other-key.pem', '-out', 'other.pem', '-days', '1', '-subj', '/CN=other'])
    openssl(['pkey', '-in', 'client-key.pem', '-aes256', '-passout', `pass:${passphrase}`, '-out', 'client-key-encrypted.pem'])
  })

  after(() => rmSync(dir, {recursive: true, force: true}))

  const load = (env: NodeJS.ProcessEnv) => loadConfig({env: {KAFKA_SSL: 'true', ...env}, cwd: dir})
  const failure = (env: NodeJS.ProcessEnv): string => {
    try {
      load(env)
    } catch (error) {
      return (error as Error).message
    }

    assert.fail('the configuration loaded')
  }

  it('reads the CA, the client certificate and its encrypted key', () => {
    const {kafka} = load({
      KAFKA_SSL_CA_FILE: 'ca.pem',
      KAFKA_SSL_CERT_FILE: file('client.pem'),
      KAFKA_SSL_KEY_FILE: 'client-key-encrypted.pem',
      KAFKA_SSL_KEY_PASSPHRASE: passphrase,
    })
    assert.equal(kafka.ssl, true)
    assert.match(kafka.tls?.ca ?? '', /^-----BEGIN CERTIFICATE-----/)
    assert.match(kafka.tls?.cert ?? '', /^-----BEGIN CERTIFICATE-----/)
    assert.match(kafka.tls?.key ?? '', /^-----BEGIN ENCRYPTED PRIVATE KEY-----/)
    assert.equal(kafka.tls?.passphrase, passphrase)
    assert.equal(kafka.tls?.rejectUnauthorized, true)
  })

  it('leaves TLS as Node has it when only KAFKA_SSL is set', () => {
    assert.equal(load({}).kafka.tls, undefined)
  })

  it('names a file that is not PEM', () => {
    openssl(['x509', '-in', 'ca.pem', '-outform', 'DER', '-out', 'ca.der'])
    assert.equal(
      failure({KAFKA_SSL_CA_FILE: 'ca.der'}),
      'KAFKA_SSL_CA_FILE (from the environment) names ca.der, which is not a PEM file (no -----BEGIN line): ' +
        'name its PEM form (`openssl x509 -inform DER -in FILE -out FILE.pem` converts a DER file)',
    )
  })

  it('names a PEM file that holds no certificate, and what to name instead', () => {
    assert.equal(
      failure({KAFKA_SSL_CA_FILE: 'client-key.pem'}),
      'KAFKA_SSL_CA_FILE (from the environment) names client-key.pem, which holds no readable PEM certificate: name the file that starts -----BEGIN CERTIFICATE-----',
    )
  })

  it('names a folder given as a file', () => {
    assert.match(failure({KAFKA_SSL_CA_FILE: '.'}), /^KAFKA_SSL_CA_FILE \(from the environment\) names \., which cannot be read \(a folder\)/)
  })

  it('asks for the passphrase of an encrypted key', () => {
    assert.equal(
      failure({KAFKA_SSL_CERT_FILE: 'client.pem', KAFKA_SSL_KEY_FILE: 'client-key-encrypted.pem'}),
      'KAFKA_SSL_KEY_FILE (from the environment) is encrypted: set KAFKA_SSL_KEY_PASSPHRASE',
    )
  })

  it('says a passphrase is wrong without showing it', () => {
    const message = failure({
      KAFKA_SSL_CERT_FILE: 'client.pem',
      KAFKA_SSL_KEY_FILE: 'client-key-encrypted.pem',
      KAFKA_SSL_KEY_PASSPHRASE: 'wrong-secret-passphrase',
    })
    assert.equal(message, 'KAFKA_SSL_KEY_PASSPHRASE (from the environment) does not decrypt KAFKA_SSL_KEY_FILE: check the passphrase')
  })

  it('refuses a certificate that is not the key’s', () => {
    assert.equal(
      failure({KAFKA_SSL_CERT_FILE: 'other.pem', KAFKA_SSL_KEY_FILE: 'client-key.pem'}),
      'KAFKA_SSL_CERT_FILE (from the environment) is not the certificate of the key in KAFKA_SSL_KEY_FILE: check both paths',
    )
  })

  it('reads KAFKA_SSL_REJECT_UNAUTHORIZED as a boolean', () => {
    assert.equal(load({KAFKA_SSL_REJECT_UNAUTHORIZED: 'false'}).kafka.tls?.rejectUnauthorized, false)
    assert.match(failure({KAFKA_SSL_REJECT_UNAUTHORIZED: 'nope'}), /^KAFKA_SSL_REJECT_UNAUTHORIZED \(from the environment\) must be true or false/)
  })
})
