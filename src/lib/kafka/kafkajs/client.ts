import kafkajs, {type Admin, type Kafka, type KafkaConfig, type SASLOptions} from 'kafkajs'

import {type KafkaConnectionConfig} from '../../config/index.js'
import {BrokerUnreachableError} from '../../errors.js'
import {isUnknownHostName} from '../../host-names.js'
import {brokerAddress} from '../reachability.js'
import {translateKafkaError} from './errors.js'
import {tolerateLeaderlessPartitions} from './metadata-parse.js'
import {skipLeaderlessPartitionsInOffsetReads} from './leaderless-offsets.js'
import {checkWaitingRequestsOnlyWhenSomeWait} from './request-queue.js'
import {SocketWatch, tlsNotSpoken} from './sockets.js'

/** Receives kafkajs's own log lines when KQ_DEBUG is set; they are hidden otherwise. */
function debugLogCreator() {
  const enabled = Boolean(process.env.KQ_DEBUG)
  return () =>
    ({namespace, log}: {namespace: string; log: {message: string}}) => {
      if (enabled) process.stderr.write(`[kafkajs ${namespace}] ${log.message}\n`)
    }
}

/** A kafkajs client, with the sockets it opens (see SocketWatch). */
export interface KafkaClient {
  kafka: Kafka
  sockets: SocketWatch
}

export function createKafka(connection: KafkaConnectionConfig): KafkaClient {
  tolerateLeaderlessPartitions()
  checkWaitingRequestsOnlyWhenSomeWait()
  skipLeaderlessPartitionsInOffsetReads()
  const {Kafka, logLevel} = kafkajs
  const sockets = new SocketWatch()
  const config: KafkaConfig = {
    clientId: connection.clientId,
    socketFactory: sockets.factory,
    // Read by kafkajs before each try to reach a first broker: none once kq has given up on this
    // client, which kafkajs takes as an error not worth retrying. Otherwise its retries (their
    // timers, and the sockets each try opens) went on in the background for seconds after the
    // error was shown, and kept a script that dispatched, failed and did nothing else from exiting.
    brokers: () => (sockets.abandoned ? [] : connection.brokers),
    ssl: connection.tls ? {...connection.tls} : connection.ssl,
    // One socket attempt may not outlast the whole deadline; several tries must fit inside it.
    connectionTimeout: Math.min(3000, connection.connectTimeoutMs),
    retry: {retries: 5, initialRetryTime: 250, maxRetryTime: 2000},
    logLevel: process.env.KQ_DEBUG ? logLevel.DEBUG : logLevel.NOTHING,
    logCreator: debugLogCreator(),
  }
  if (connection.sasl) {
    config.sasl = {
      mechanism: connection.sasl.mechanism,
      username: connection.sasl.username,
      password: connection.sasl.password,
    } as SASLOptions
  }

  return {kafka: new Kafka(config), sockets}
}

/**
 * Runs `connect` with the configured deadline. kafkajs alone retries a dead broker for minutes;
 * a user deserves one line naming the address within seconds. `signal` gives up sooner, as the
 * deadline does, rejecting with its reason: nothing is left open, nor waited for.
 */
export async function connectWithin(
  client: KafkaClient,
  connection: KafkaConnectionConfig,
  connect: () => Promise<void>,
  abandon: () => Promise<void>,
  action?: string,
  signal?: AbortSignal,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  let timedOut = false
  // Once connected, what the sockets learn later is not this deadline's to act on.
  let settled = false
  let rejectDeadline!: (error: unknown) => void
  const deadline = new Promise<never>((_, reject) => {
    rejectDeadline = reject
  })
  /** Ends the wait with `error`, and the sockets with it: kafkajs's retries would get no further. */
  const giveUp = (error: unknown) => {
    if (timedOut || settled) return
    timedOut = true
    rejectDeadline(error)
    // kafkajs would wait out its own request timeout (30 s) on a socket that answers nothing:
    // ended with an error, which kafkajs hears (a plain close it does not), the request fails now.
    client.sockets.abort()
  }

  const aborted = () => giveUp(signal!.reason)
  if (signal?.aborted) aborted()
  else signal?.addEventListener('abort', aborted, {once: true})
  // kafkajs tries one host after another for the whole deadline; a name that no DNS server
  // knows will not start to resolve meanwhile. When none of the brokers' names does, say so now.
  client.sockets.whenHostNotFound(() => {
    void noBrokerNameResolves(connection.brokers).then((none) => {
      if (none) giveUp(new BrokerUnreachableError(connection.brokers, 'host not found', {advice: 'check the host names in KAFKA_BROKERS (or --brokers): no DNS server knows them'}))
    })
  })
  // A listener that answers in TLS, or hangs up at every try, will do so to kafkajs's retries too.
  client.sockets.whenHopeless((found) => {
    giveUp(new BrokerUnreachableError(connection.brokers, found.reason, {notKafka: found.notKafka, advice: found.advice, security: offered(connection)}))
  })
  timer = setTimeout(() => {
    const within = `within ${connection.connectTimeoutMs / 1000}s`
    const found = client.sockets.diagnose()
    giveUp(
      new BrokerUnreachableError(connection.brokers, found === undefined ? `no answer ${within}` : found.notKafka || found.waiting ? `${found.reason} ${within}` : found.reason, {
        notKafka: found?.notKafka,
        advice: found?.advice,
        security: offered(connection),
      }),
    )
  }, connection.connectTimeoutMs)
  const connecting = connect()
  try {
    await Promise.race([connecting, deadline])
  } catch (error) {
    // After a timeout the sockets are gone already, and kafkajs's disconnect could wait for
    // requests that will never be answered: the error is not held back for it.
    const abandoning = abandon().catch(() => {})
    if (!timedOut) await abandoning
    // kafkajs keeps retrying after we stop waiting; a late success would hold a socket open
    // and keep the process alive, so it is closed whenever it settles.
    if (timedOut) connecting.then(abandon, () => {}).catch(() => {})
    if (error instanceof BrokerUnreachableError || (signal?.aborted && error === signal.reason)) throw error
    const {sasl} = connection
    const translated = translateKafkaError(error, {
      brokers: connection.brokers,
      action,
      noBrokerAnswered: !client.sockets.reachedAny(),
      ...(sasl && {login: {mechanism: sasl.mechanism, username: sasl.username}}),
      security: offered(connection),
    })
    // kafkajs gives up on a listener that resets every TLS hello before the deadline does, and
    // calls it a reset connection: the sockets know it was the handshake.
    const noTls = client.sockets.tlsNotSpokenBy()
    if (noTls !== undefined && translated instanceof BrokerUnreachableError) {
      throw new BrokerUnreachableError(connection.brokers, tlsNotSpoken(noTls), {notKafka: true, cause: error})
    }

    throw translated
  } finally {
    settled = true
    clearTimeout(timer)
    signal?.removeEventListener('abort', aborted)
  }
}

/** What the client offers a listener: TLS, a SASL login. */
function offered(connection: KafkaConnectionConfig): {ssl: boolean; sasl: boolean} {
  return {ssl: connection.ssl, sasl: connection.sasl !== undefined}
}

/** True when the host name of every broker is one that DNS says does not exist (ENOTFOUND). */
async function noBrokerNameResolves(brokers: string[]): Promise<boolean> {
  const unknown = await Promise.all(brokers.map(async (broker) => isUnknownHostName(brokerAddress(broker).host)))
  return unknown.every(Boolean)
}

/** A client and its connected admin, within the configured deadline. */
export async function openAdmin(connection: KafkaConnectionConfig): Promise<{client: KafkaClient; kafka: Kafka; admin: Admin}> {
  const client = createKafka(connection)
  const {kafka} = client
  const admin = kafka.admin()
  await connectWithin(
    client,
    connection,
    // kafkajs's admin connects without learning the cluster's brokers, so its first look-up of
    // a group's coordinator fails and is retried a backoff later (~250 ms): ask for them now.
    async () => {
      await admin.connect()
      await admin.describeCluster()
    },
    () => admin.disconnect(),
  )
  return {client, kafka, admin}
}
