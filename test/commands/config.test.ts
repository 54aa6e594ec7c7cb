import {strict as assert} from 'node:assert'
import path from 'node:path'

import {type ConfigResult} from '../../src/commands/config.js'
import {ExitCode} from '../../src/lib/errors.js'
import {VARIABLES} from '../../src/lib/config/index.js'
import {encryptionKey} from '../../src/lib/envelope/index.js'
import {envFile, kq} from '../support/cli.js'

/** No variable of the test run's own environment: each test says where every value comes from. */
const CLEAN_ENV = Object.fromEntries(VARIABLES.map(({name}) => [name, '']))

describe('kq config', () => {
  const password = 'config-test-sasl-password'
  const passphrase = 'config-test-key-passphrase'
  const file = envFile({
    KAFKA_BROKERS: 'file-host:9092',
    KAFKA_PARTITIONS: '3',
    KAFKA_CONSUMER_GROUP: 'from-file',
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: 'alice',
    KAFKA_SASL_PASSWORD: password,
  })
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    kq(['config', '--dotenv', file, ...args], {env: {...CLEAN_ENV, KAFKA_PARTITIONS: '6', KAFKA_CONSUMER_GROUP: 'from-env', ...env}})

  it('gives each value with where it came from: a flag over the environment over the env file over the default', async () => {
    const {code, stdout, stderr} = await run(['--group', 'from-flag', '--json'])
    assert.equal(code, 0, stderr)
    const {envFile: read, settings} = JSON.parse(stdout) as ConfigResult
    const byName = new Map(settings.map((entry) => [entry.name, entry]))
    assert.equal(read, file)
    assert.deepEqual(byName.get('KAFKA_CONSUMER_GROUP'), {name: 'KAFKA_CONSUMER_GROUP', value: 'from-flag', source: 'flag', flag: '--group'})
    assert.deepEqual(byName.get('KAFKA_PARTITIONS'), {name: 'KAFKA_PARTITIONS', value: '6', source: 'environment'})
    assert.deepEqual(byName.get('KAFKA_BROKERS'), {name: 'KAFKA_BROKERS', value: 'file-host:9092', source: 'file'})
    assert.deepEqual(byName.get('KAFKA_CLIENT_ID'), {name: 'KAFKA_CLIENT_ID', value: 'kq', source: 'default'})
    assert.deepEqual(byName.get('KAFKA_TOPIC'), {name: 'KAFKA_TOPIC', value: null, source: 'unset'})
    assert.deepEqual(settings.map((entry) => entry.name), VARIABLES.map(({name}) => name))
  })

  it('masks the password and the key passphrase, in the table and in --json', async () => {
    const text = await run([])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /^KAFKA_SASL_PASSWORD\s+\*{8}\s+\.env$/m)
    assert.match(text.stdout, /^KAFKA_SASL_USERNAME\s+alice\s+\.env$/m)
    assert.match(text.stdout, /^KAFKA_CONSUMER_GROUP\s+from-env\s+environment$/m)
    assert.match(text.stdout, /^KAFKA_SSL_KEY_PASSPHRASE\s*$/m)
    const json = await run(['--json'])
    const entry = (JSON.parse(json.stdout) as ConfigResult).settings.find(({name}) => name === 'KAFKA_SASL_PASSWORD')
    assert.deepEqual(entry, {name: 'KAFKA_SASL_PASSWORD', value: '********', source: 'file', secret: true})
    for (const output of [text.stdout, text.stderr, json.stdout, json.stderr]) assert.ok(!output.includes(password), output)
  })

  it('refuses a bad value with the one line any command gives, naming the variable and never the secret', async () => {
    const {code, stdout, stderr} = await run([], {KAFKA_SSL_KEY_PASSPHRASE: passphrase})
    assert.equal(code, ExitCode.Config)
    assert.equal(stdout, '')
    assert.equal(stderr, 'Error: KAFKA_SSL_KEY_PASSPHRASE (from the environment) is set but KAFKA_SSL is not true: set KAFKA_SSL=true to connect with TLS\n')
  })

  it('names the encryption keys by their ids, as dead letters do, never by their value', async () => {
    const key = Buffer.alloc(32, 9).toString('base64')
    const old = Buffer.alloc(32, 8).toString('base64')
    const ids = [key, old].map((text) => encryptionKey(Buffer.from(text, 'base64')).id)
    const {code, stdout, stderr} = await run([], {KQ_ENCRYPTION_KEY: key, KQ_ENCRYPTION_OLD_KEYS: old})
    assert.equal(code, 0, stderr)
    assert.match(stdout, new RegExp(`^KQ_ENCRYPTION_KEY\\s+\\*{8} \\(key ${ids[0]}\\)\\s+environment$`, 'm'))
    assert.match(stdout, new RegExp(`^KQ_ENCRYPTION_OLD_KEYS\\s+\\*{8} \\(key ${ids[1]}\\)\\s+environment$`, 'm'))
    assert.ok(!stdout.includes(key) && !stdout.includes(old))
  })

  it('says which file it read', async () => {
    const {stdout} = await run([])
    assert.ok(stdout.startsWith(`Read ${path.resolve(file)}; the environment and flags win over it.\n`), stdout)
  })
})
