import kafkajs, {type Admin, type Kafka, type KafkaConfig, type SASLOptions} from 'kafkajs'

import {type KafkaConnectionConfig} from '../../config/index.js'
import {BrokerUnreachableError} from '../../errors.js'
import {translateKafkaError} from './errors.js'

/** Receives kafkajs's own log lines when KQ_DEBUG is set; they are hidden otherwise. */
function debugLogCreator() {
  const enabled = Boolean(process.env.KQ_DEBUG)
  return () =>
    ({namespace, log}: {namespace: string; log: {message: string}}) => {
      if (enabled) process.stderr.write(`[kafkajs ${namespace}] ${log.message}\n`)
    }
}

export function createKafka(connection: KafkaConnectionConfig): Kafka {
  const {Kafka, logLevel} = kafkajs
  const config: KafkaConfig = {
    clientId: connection.clientId,
    brokers: connection.brokers,
    ssl: connection.ssl,
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

  return new Kafka(config)
}

/**
 * Runs `connect` with the configured deadline. kafkajs alone retries a dead broker for minutes;
 * a user deserves one line naming the address within seconds.
 */
export async function connectWithin(
  connection: KafkaConnectionConfig,
  connect: () => Promise<void>,
  abandon: () => Promise<void>,
  action?: string,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  let timedOut = false
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true
      reject(new BrokerUnreachableError(connection.brokers, `no answer within ${connection.connectTimeoutMs / 1000}s`))
    }, connection.connectTimeoutMs)
  })
  const connecting = connect()
  try {
    await Promise.race([connecting, deadline])
  } catch (error) {
    await abandon().catch(() => {})
    // kafkajs keeps retrying after we stop waiting; a late success would hold a socket open
    // and keep the process alive, so it is closed whenever it settles.
    if (timedOut) connecting.then(abandon, () => {}).catch(() => {})
    throw error instanceof BrokerUnreachableError ? error : translateKafkaError(error, {brokers: connection.brokers, action})
  } finally {
    clearTimeout(timer)
  }
}

/** A client and its connected admin, within the configured deadline. */
export async function openAdmin(connection: KafkaConnectionConfig): Promise<{kafka: Kafka; admin: Admin}> {
  const kafka = createKafka(connection)
  const admin = kafka.admin()
  await connectWithin(
    connection,
    () => admin.connect(),
    () => admin.disconnect(),
  )
  return {kafka, admin}
}
