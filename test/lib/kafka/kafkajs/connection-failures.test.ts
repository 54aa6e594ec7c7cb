import {strict as assert} from 'node:assert'
import {lookup} from 'node:dns/promises'
import net from 'node:net'

import {BrokerUnreachableError, ExitCode, KafkaRefusedError} from '../../../../src/lib/errors.js'
import {openPublisher, openTopicAdmin} from '../../../../src/lib/kafka/index.js'
import {sharedSecuredKafka} from '../../../support/secured-kafka.js'
import {testConnection} from '../../../support/topics.js'
import {sharedTrio} from '../../../support/trio.js'

/** A TCP server that accepts connections and never says a word: a port that is not Kafka. */
async function silentServer(): Promise<{port: number; close(): void}> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => sockets.add(socket))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    close() {
      for (const socket of sockets) socket.destroy()
      server.close()
    },
  }
}

/** A TCP server that closes each connection at once, as a TLS listener does a plaintext client's. */
async function hangUpServer(): Promise<{port: number; close(): void}> {
  const server = net.createServer((socket) => socket.destroy())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {port: (server.address() as net.AddressInfo).port, close: () => server.close()}
}

async function failure(opening: Promise<unknown>): Promise<Error> {
  return opening.then(
    () => assert.fail('it connected'),
    (error: unknown) => error as Error,
  )
}

describe('connection failures, named within the connect timeout', function () {
  // Under kafkajs's own 30 s request timeout: a failure that waited for it would fail the test.
  this.timeout(25_000)

  it('says a port that accepts connections but does not answer is not Kafka', async () => {
    const server = await silentServer()
    try {
      const error = await failure(openTopicAdmin({...testConnection(), brokers: [`127.0.0.1:${server.port}`], connectTimeoutMs: 2000}))
      assert.ok(error instanceof BrokerUnreachableError)
      assert.equal(
        error.message,
        `cannot reach Kafka at 127.0.0.1:${server.port} (127.0.0.1:${server.port} accepted the connection but did not answer as Kafka within 2s): ` +
          'check that KAFKA_BROKERS names Kafka listeners, and that KAFKA_SSL matches them (TLS or plaintext)',
      )
    } finally {
      server.close()
    }
  })

  it('says a host name that does not resolve was not found', async () => {
    const error = await failure(openPublisher({...testConnection(), brokers: ['no-such-host.invalid:9092'], connectTimeoutMs: 2000}))
    assert.ok(error instanceof BrokerUnreachableError)
    assert.match(error.message, /^cannot reach Kafka at no-such-host\.invalid:9092 \((host not found|host name lookup failed)\): /)
  })

  // A name no DNS server knows does not start to resolve while kafkajs tries it again: the
  // deadline (here a minute, past this test's own timeout) is not waited out.
  it('says at once, without waiting for the connect timeout, that no broker host name exists, and to check them', async function () {
    const dns = await lookup('no-such-host.invalid').then(
      () => 'resolved',
      (error: NodeJS.ErrnoException) => error.code,
    )
    if (dns !== 'ENOTFOUND') this.skip()
    const brokers = ['no-such-host.invalid:9092', 'nor-this-one.invalid:9093']
    const error = await failure(openTopicAdmin({...testConnection(), brokers, connectTimeoutMs: 60_000}))
    assert.ok(error instanceof BrokerUnreachableError)
    assert.equal(
      error.message,
      'cannot reach Kafka at no-such-host.invalid:9092,nor-this-one.invalid:9093 (host not found): check the host names in KAFKA_BROKERS (or --brokers): no DNS server knows them',
    )
  })

  it('waits for the brokers whose names resolve when only some do not', async () => {
    const error = await failure(openTopicAdmin({...testConnection(), brokers: ['no-such-host.invalid:9092', '127.0.0.1:1'], connectTimeoutMs: 2000}))
    assert.ok(error instanceof BrokerUnreachableError)
    assert.doesNotMatch(error.message, /no DNS server knows them/)
  })

  it('says TLS was offered to a listener that does not speak it', async () => {
    const error = await failure(openTopicAdmin({...testConnection(), ssl: true, connectTimeoutMs: 2000}))
    assert.ok(error instanceof BrokerUnreachableError)
    // Found at the second reset hello, or by the deadline (2 s) if that comes first.
    assert.match(error.message, /accepted the connection but not the TLS handshake \(KAFKA_SSL=true: a plaintext listener\?\)( within 2s)?\): check that KAFKA_BROKERS/)
  })

  it('says TLS was offered to a listener that does not speak it when kafkajs gives up before the connect timeout', async () => {
    // A plaintext Kafka resets each TLS hello; kafkajs stops retrying after about 6 s.
    const error = await failure(openTopicAdmin({...testConnection(), ssl: true, connectTimeoutMs: 20_000}))
    assert.ok(error instanceof BrokerUnreachableError)
    assert.match(error.message, /accepted the connection but not the TLS handshake \(KAFKA_SSL=true: a plaintext listener\?\)\): check that KAFKA_BROKERS names Kafka listeners, and that KAFKA_SSL matches them/)
  })

  it('tells a client that logs in without TLS, hung up on, to set KAFKA_SSL=true, not the SASL settings it has', async () => {
    const server = await hangUpServer()
    try {
      const sasl = {mechanism: 'scram-sha-512' as const, username: 'u', password: 'p'}
      // Found by the deadline (2 s), or by kafkajs giving up first (about 6 s).
      for (const connectTimeoutMs of [2000, 20_000]) {
        const error = await failure(openTopicAdmin({...testConnection(), brokers: [`127.0.0.1:${server.port}`], sasl, connectTimeoutMs}))
        assert.ok(error instanceof BrokerUnreachableError)
        assert.match(error.message, /closed( connection| the connection right after it opened)?\)+: a TLS listener hangs up on a client that does not speak TLS: set KAFKA_SSL=true/)
      }
    } finally {
      server.close()
    }
  })

  // The deadline (a minute) is past this test's timeout: the hang-ups are the answer, not kafkajs's retries (about 6 s).
  it('says at once that a listener closed the connection right after it opened, and that it may want TLS or SASL', async () => {
    const server = await hangUpServer()
    try {
      const error = await failure(openTopicAdmin({...testConnection(), brokers: [`127.0.0.1:${server.port}`], connectTimeoutMs: 60_000}))
      assert.ok(error instanceof BrokerUnreachableError)
      assert.equal(error.exitCode, ExitCode.Unreachable)
      assert.equal(
        error.message,
        `cannot reach Kafka at 127.0.0.1:${server.port} (127.0.0.1:${server.port} closed the connection right after it opened): ` +
          'if the cluster requires SASL or TLS, set KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD, or KAFKA_SSL=true',
      )
    } finally {
      server.close()
    }
  })

  it('says at once that a TLS listener answered a plaintext client in TLS, and to set KAFKA_SSL=true', async function () {
    this.timeout(240_000)
    const {brokers} = await sharedSecuredKafka()
    const error = await failure(openTopicAdmin({...testConnection(), brokers: [brokers], connectTimeoutMs: 60_000}))
    assert.ok(error instanceof BrokerUnreachableError)
    assert.equal(error.exitCode, ExitCode.Unreachable)
    assert.equal(
      error.message,
      `cannot reach Kafka at ${brokers} (${brokers} answered in TLS and closed the connection right after it opened): ` +
        "the port speaks TLS: set KAFKA_SSL=true (and KAFKA_SSL_CA_FILE for a private CA), or use the plaintext listener's port",
    )
  })

  it("says a KRaft controller's port is not a broker's client listener", async function () {
    // The shared three-node cluster's layout is known: node 1's controller listens three ports above its client port.
    this.timeout(240_000)
    const {brokers} = await sharedTrio()
    const controller = `127.0.0.1:${Number(brokers.split(',')[0].split(':')[1]) + 3}`
    for (const open of [openTopicAdmin, openPublisher]) {
      const error = await failure(open({...testConnection(), brokers: [controller]}))
      assert.ok(error instanceof BrokerUnreachableError, String(error))
      assert.match(error.message, new RegExp(`^cannot reach Kafka at ${controller} \\(it answered, but takes no \\w+ requests: a KRaft controller's port, or a broker too old for kq\\?\\): check that KAFKA_BROKERS names the brokers' client listeners`))
    }
  })

  it('says SASL was offered to a listener without it', async () => {
    const error = await failure(openTopicAdmin({...testConnection(), sasl: {mechanism: 'plain', username: 'u', password: 'p'}}))
    assert.ok(error instanceof KafkaRefusedError)
    assert.match(error.message, /^Kafka does not take SASL on \S+ \(ILLEGAL_SASL_STATE\): set KAFKA_SASL_MECHANISM to what the listener takes, leave it unset/)
  })
})
