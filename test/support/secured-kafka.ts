import {type LocalSecurity, type LocalTlsFiles} from '../../src/lib/local-kafka/index.js'
import {kq} from './cli.js'
import {sharedKafka} from './kafka.js'
import {JAR_CACHE} from './paths.js'
import {freePortRange} from './ports.js'

export type User = {name: string; password: string}

/**
 * The logins of the secured Kafka, made when it is formatted (SCRAM users cannot be added to a
 * running local Kafka): every file that uses it takes its users from here. The passwords are
 * unlike anything kq prints, so that a search for them in its output means something.
 */
export const SECURED_USERS = {
  dave: {name: 'dave', password: 'dave-dispatches-0b7d'},
  olga: {name: 'olga', password: 'olga-operates-61ac'},
  wanda: {name: 'wanda', password: 'wanda-scram-secret-5f1c'},
  nora: {name: 'nora', password: 'nora-scram-secret-9a2e'},
  vera: {name: 'vera', password: 'vera-views-little-3d8f'},
} as const satisfies Record<string, User>

/** What `kq kafka:up --json` answered when it started the secured Kafka. */
export interface SecuredKafka {
  dir: string
  brokers: string
  security: LocalSecurity
  tls: LocalTlsFiles
}

/**
 * The run's one production-like Kafka on one node: SCRAM-SHA-512 logins, ACLs, TLS on the client
 * port with client certificates required (kafka:up --sasl scram-sha-512 --tls --mtls). Started
 * by the first file that asks, stopped by the global teardown: a secured start formats storage,
 * makes users and certificates, and that is worth doing once. Each file keeps to its own queue,
 * group and principals, so one file's grants change nothing another checks.
 */
export async function sharedSecuredKafka(): Promise<SecuredKafka> {
  return secured.get()
}

/** Stops the secured Kafka if a file started it, and deletes its folder. */
export async function stopSharedSecuredKafka(): Promise<void> {
  await secured.stop()
}

const secured = sharedKafka('secured', async (dir): Promise<SecuredKafka> => {
  const port = await freePortRange(2)
  const users = Object.values(SECURED_USERS).flatMap((user) => ['--sasl-user', `${user.name}:${user.password}`])
  const up = ['kafka:up', '--sasl', 'scram-sha-512', '--tls', '--mtls', ...users, '--port', String(port), '--dir', dir, '--cache-dir', JAR_CACHE, '--json']
  const {code, stdout, stderr} = await kq(up, {timeoutMs: 240_000})
  if (code !== 0) throw new Error(`kafka:up --sasl scram-sha-512 --tls --mtls failed (${code}): ${stderr}`)
  const started = JSON.parse(stdout) as {bootstrap: string; security: LocalSecurity; tls: LocalTlsFiles}
  return {dir, brokers: started.bootstrap, security: started.security, tls: started.tls}
})
