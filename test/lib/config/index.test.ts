import {strict as assert} from 'node:assert'

import {loadConfig} from '../../../src/lib/config/index.js'
import {ConfigError, ExitCode, UsageError} from '../../../src/lib/errors.js'
import {envFile} from '../../support/cli.js'

/** Loads with only the given environment and no .env file, unless one is named. */
function load(env: Record<string, string> = {}, file?: Record<string, string | number>) {
  return loadConfig({env, cwd: '/nonexistent-dir', ...(file && {envFile: envFile(file)})})
}

function assertConfigError(run: () => unknown, message: string) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`)
    assert.equal(error.message, message)
    assert.equal(error.exitCode, ExitCode.Config)
    return true
  })
}

describe('loadConfig', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = load()
    assert.deepEqual(config.kafka.brokers, ['127.0.0.1:9092'])
    assert.equal(config.kafka.clientId, 'kq')
    assert.equal(config.kafka.connectTimeoutMs, 10_000)
    assert.equal(config.kafka.ssl, false)
    assert.equal(config.kafka.sasl, undefined)
    assert.equal(config.queue, 'default')
    assert.equal(config.topic, 'default')
    assert.equal(config.partitions, 1)
    assert.equal(config.replicationFactor, 1)
    assert.equal(config.consumerGroup, 'kq-workers')
    assert.equal(config.jobsDir, '/nonexistent-dir/src/jobs')
    assert.equal(config.maxMessageBytes, 1_000_000)
    assert.equal(config.envFile, undefined)
  })

  it('reads every variable from an env file', () => {
    const config = load(
      {},
      {
        KAFKA_BROKERS: '10.0.0.1:9092, 10.0.0.2:9093',
        KAFKA_CLIENT_ID: 'billing',
        KAFKA_QUEUE: 'emails',
        KAFKA_TOPIC: 'emails-v2',
        KAFKA_PARTITIONS: 6,
        KAFKA_REPLICATION_FACTOR: 3,
        KAFKA_CONSUMER_GROUP: 'billing-workers',
        KAFKA_CONNECT_TIMEOUT: 4,
        KAFKA_SSL: 'true',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'svc',
        KAFKA_SASL_PASSWORD: 's3cret',
      },
    )
    assert.deepEqual(config.kafka, {
      brokers: ['10.0.0.1:9092', '10.0.0.2:9093'],
      clientId: 'billing',
      connectTimeoutMs: 4000,
      ssl: true,
      sasl: {mechanism: 'scram-sha-512', username: 'svc', password: 's3cret'},
    })
    assert.equal(config.queue, 'emails')
    assert.equal(config.topic, 'emails-v2')
    assert.equal(config.partitions, 6)
    assert.equal(config.replicationFactor, 3)
    assert.equal(config.consumerGroup, 'billing-workers')
    assert.match(config.envFile ?? '', /\.env$/)
  })

  it('lets real environment variables win over the file', () => {
    const config = load({KAFKA_PARTITIONS: '8'}, {KAFKA_PARTITIONS: 2, KAFKA_QUEUE: 'from-file'})
    assert.equal(config.partitions, 8)
    assert.equal(config.queue, 'from-file')
  })

  it('lets flags win over the environment and the file', () => {
    const config = loadConfig({
      env: {KAFKA_BROKERS: 'env-host:9092'},
      envFile: envFile({KAFKA_BROKERS: 'file-host:9092'}),
      overrides: {KAFKA_BROKERS: {value: 'flag-host:9092', flag: '--brokers'}},
    })
    assert.deepEqual(config.kafka.brokers, ['flag-host:9092'])
  })

  it('treats an empty variable as unset', () => {
    assert.equal(load({KAFKA_PARTITIONS: ''}).partitions, 1)
  })

  it('keeps the value of .env under an empty environment variable, as the README says', () => {
    const config = loadConfig({env: {KAFKA_QUEUE: ''}, envFile: envFile({KAFKA_QUEUE: 'orders', KAFKA_CLIENT_ID: ''})})
    assert.equal(config.queue, 'orders')
    assert.equal(config.kafka.clientId, 'kq')
  })

  it('reads .env from the working folder when no file is named', () => {
    const file = envFile({KAFKA_QUEUE: 'found-it'})
    const config = loadConfig({env: {}, cwd: file.replace(/\/\.env$/, '')})
    assert.equal(config.queue, 'found-it')
  })

  it('names the topic of the default queue after the queue unless KAFKA_TOPIC is set', () => {
    assert.equal(load({KAFKA_QUEUE: 'emails'}).topic, 'emails')
    assert.equal(load({KAFKA_QUEUE: 'emails', KAFKA_TOPIC: 'mail-jobs'}).topic, 'mail-jobs')
  })

  describe('rejects bad values with one line naming the variable, the value and what is expected', () => {
    const cases: Array<[string, string, string]> = [
      ['KAFKA_PARTITIONS', 'abc', 'must be a positive integer'],
      ['KAFKA_PARTITIONS', '0', 'must be a positive integer'],
      ['KAFKA_PARTITIONS', '-3', 'must be a positive integer'],
      ['KAFKA_PARTITIONS', '1.5', 'must be a positive integer'],
      ['KAFKA_REPLICATION_FACTOR', 'three', 'must be a positive integer'],
      ['KAFKA_CONNECT_TIMEOUT', '10s', 'must be a positive integer'],
      ['KAFKA_BROKERS', 'localhost', 'must be a comma-separated list of host:port'],
      ['KAFKA_BROKERS', 'host:99999', 'must be a comma-separated list of host:port'],
      ['KAFKA_BROKERS', ' , ', 'must be a comma-separated list of host:port'],
      ['KAFKA_BROKERS', 'http://broker:9092', 'must be a comma-separated list of host:port'],
      ['KAFKA_QUEUE', 'my queue', "must be a Kafka topic name (letters, digits, '.', '_', '-'; at most 243 characters)"],
      ['KAFKA_TOPIC', '..', "must be a Kafka topic name (letters, digits, '.', '_', '-'; at most 243 characters)"],
      ['KAFKA_TOPIC', 'x'.repeat(244), "must be a Kafka topic name (letters, digits, '.', '_', '-'; at most 243 characters)"],
      ['KAFKA_CLIENT_ID', 'has space', "must be a name of letters, digits, '.', '_', ':', '-'"],
      ['KAFKA_CONSUMER_GROUP', 'a/b', "must be a name of letters, digits, '.', '_', ':', '-'"],
      ['KAFKA_SSL', 'maybe', 'must be true or false'],
      ['KQ_MAX_MESSAGE_BYTES', '1MB', 'must be a positive integer'],
    ]
    it('points at the bad entry of a longer broker list', () => {
      assertConfigError(
        () => load({KAFKA_BROKERS: 'a:9092,b'}),
        'KAFKA_BROKERS (from the environment) must be a comma-separated list of host:port, got "a:9092,b" ("b" is not host:port)',
      )
    })

    for (const [name, value, expected] of cases) {
      it(`${name}=${JSON.stringify(value).slice(0, 30)}`, () => {
        assertConfigError(
          () => load({[name]: value}),
          `${name} (from the environment) ${expected}, got ${JSON.stringify(value)}`,
        )
      })
    }

    it('says the value came from the env file', () => {
      assertConfigError(() => load({}, {KAFKA_PARTITIONS: 'abc'}), 'KAFKA_PARTITIONS (from .env) must be a positive integer, got "abc"')
    })

    it('rejects an unknown SASL mechanism', () => {
      assertConfigError(
        () => load({KAFKA_SASL_MECHANISM: 'kerberos', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p'}),
        'KAFKA_SASL_MECHANISM (from the environment) must be one of plain, scram-sha-256, scram-sha-512, got "kerberos"',
      )
    })

    it('requires a user name and password with a SASL mechanism', () => {
      assertConfigError(
        () => load({KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: 'p'}),
        'KAFKA_SASL_USERNAME must be set when KAFKA_SASL_MECHANISM is set',
      )
      assertConfigError(
        () => load({KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u'}),
        'KAFKA_SASL_PASSWORD must be set when KAFKA_SASL_MECHANISM is set',
      )
    })

    it('refuses an env file that does not exist', () => {
      assertConfigError(
        () => loadConfig({env: {}, envFile: '/nonexistent/.env.staging'}),
        'env file /nonexistent/.env.staging does not exist: check --dotenv, or copy .env.example',
      )
    })
  })

  it('reports a bad flag value as a usage error that names the flag', () => {
    assert.throws(
      () => loadConfig({env: {}, overrides: {KAFKA_BROKERS: {value: 'nope', flag: '--brokers'}}}),
      (error: unknown) => {
        assert.ok(error instanceof UsageError)
        assert.equal(error.exitCode, ExitCode.Usage)
        assert.equal(error.message, '--brokers must be a comma-separated list of host:port, got "nope"')
        return true
      },
    )
  })

  it('reads KAFKA_MIN_INSYNC_REPLICAS, and leaves it unset by default', () => {
    assert.equal(load().minInsyncReplicas, undefined)
    assert.equal(load({KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '3'}).minInsyncReplicas, 3)
  })

  it('refuses a KAFKA_MIN_INSYNC_REPLICAS above the replication factor, which would refuse every write', () => {
    assertConfigError(
      () => load({}, {KAFKA_REPLICATION_FACTOR: 3, KAFKA_MIN_INSYNC_REPLICAS: 4}),
      'KAFKA_MIN_INSYNC_REPLICAS (from .env) is 4, more than the replication factor 3 (KAFKA_REPLICATION_FACTOR): ' +
        'Kafka would refuse every write to the topics; set it to at most 3',
    )
    assertConfigError(() => load({KAFKA_MIN_INSYNC_REPLICAS: '0'}), 'KAFKA_MIN_INSYNC_REPLICAS (from the environment) must be a positive integer, got "0"')
  })
})
