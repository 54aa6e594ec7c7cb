import {rm} from 'node:fs/promises'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {type SaslMechanism} from '../config/index.js'
import {LocalKafkaError, UsageError} from '../errors.js'
import {type ClusterLayout, type NodeLayout, clusterLayout} from './layout.js'
import {isNodeProcess, isPortInUse, localKafkaOnPort, startNode, telltaleLogLine, terminate} from './processes.js'
import {type LocalTls, type LocalTlsFiles, assertSameTls, clientTls, ensureCertificates, tlsFiles} from './certificates.js'
import {ensureKafkaJars, findJava} from './runtime.js'
import {type LocalSecurity, assertSameMechanism, newSecurity} from './security.js'
import {type ClusterState, newClusterId, readState, writeState} from './state.js'
import {prepareStorage} from './storage.js'

export const DEFAULT_KAFKA_VERSION = '4.4.0'

/** Options of `kafka:up`; unset topology values keep what the folder already holds. */
export interface LocalKafkaOptions {
  /** This cluster's folder: state, data and logs. @defaultValue '.kq/kafka' */
  dir?: string
  /** Folder of downloaded broker jars, shared by clusters. @defaultValue '.kq/cache' */
  cacheDir?: string
  /** Apache Kafka release. @defaultValue '4.4.0' */
  kafkaVersion?: string
  /** Number of nodes, each both broker and controller. @defaultValue 1 */
  nodes?: number
  /** Client port of the first node; see layout.ts for the others. @defaultValue 9092 */
  port?: number
  /** Port for a new cluster when `port` is unset; an existing cluster keeps its own. */
  defaultPort?: number
  /** How long to wait for every node to answer a metadata request. @defaultValue 120000 */
  startTimeoutMs?: number
  /** JVM heap of each node, in MB. @defaultValue 512 */
  heapMb?: number
  /**
   * A new cluster with SASL logins and ACLs (see security.ts): an `admin` super user with a
   * made-up password, plus these users, who may do nothing until granted. @defaultValue off
   */
  sasl?: {users: Array<{name: string; password: string}>; mechanism?: SaslMechanism}
  /** A new cluster whose client port speaks TLS (see certificates.ts). @defaultValue off */
  tls?: LocalTls
  /** Told about each slow step (download, format, start), for the command to print. */
  onProgress?: (message: string) => void
}

export type ClusterHealth = 'running' | 'stopped' | 'degraded' | 'absent'

export interface NodeStatus {
  id: number
  pid: number | null
  running: boolean
  address: string
  logFile: string
}

export interface LocalKafkaStatus {
  health: ClusterHealth
  dir: string
  kafkaVersion?: string
  bootstrap?: string
  nodes: NodeStatus[]
  /** For a cluster with SASL and ACLs: how to connect, and who exists. */
  security?: LocalSecurity
  /** For a cluster with TLS: the CA and client certificate files to connect with. */
  tls?: LocalTlsFiles
}

export interface UpResult extends LocalKafkaStatus {
  /** True when the cluster was already running and nothing was started. */
  alreadyRunning: boolean
}

export interface DownResult {
  dir: string
  /** Node ids that were running and have been stopped. */
  stopped: number[]
  /** Node ids that ignored SIGTERM for the whole timeout and were killed. */
  killed: number[]
  purged: boolean
}

const DEFAULTS = {dir: '.kq/kafka', cacheDir: '.kq/cache', nodes: 1, port: 9092, startTimeoutMs: 120_000, heapMb: 512}

/** Starts the local cluster, or reports the one already running. Returns once it answers. */
export async function startLocalKafka(options: LocalKafkaOptions = {}): Promise<UpResult> {
  const progress = options.onProgress ?? (() => {})
  const dir = path.resolve(options.dir ?? DEFAULTS.dir)
  const previous = await readState(path.join(dir, 'cluster.json'))
  const wanted = resolveTopology(options, previous, dir)
  const layout = clusterLayout(dir, wanted.nodes, wanted.port)
  const state: ClusterState = previous ?? {
    ...wanted,
    clusterId: newClusterId(),
    pids: {},
    ...(options.sasl && {security: newSecurity(options.sasl.users, options.sasl.mechanism)}),
    ...(options.tls && {tls: options.tls}),
  }
  if (previous && options.sasl && !previous.security) {
    throw new LocalKafkaError(
      `the local Kafka in ${dir} was set up without SASL: run \`kq kafka:down --purge\` to start over with --sasl, or use another --dir`,
    )
  }

  if (previous?.security) assertSameMechanism(previous.security, options.sasl?.mechanism, dir)
  if (previous) assertSameTls(previous.tls, options.tls, dir)

  const toStart = layout.nodes.filter((node) => !isNodeProcess(state.pids[node.id], node.propertiesFile))
  if (toStart.length === 0) {
    await waitUntilAnswering(layout, state, Math.min(options.startTimeoutMs ?? DEFAULTS.startTimeoutMs, 15_000))
    return {...describe(layout, state), alreadyRunning: true}
  }

  // Before the jars: a first start downloads them, which a taken port would make for nothing.
  await assertPortsFree(toStart)
  const java = await findJava(state.kafkaVersion)
  const libDir = await ensureKafkaJars(state.kafkaVersion, options.cacheDir ?? DEFAULTS.cacheDir, progress)
  if (state.tls) await ensureCertificates(dir, state.tls)
  await prepareStorage(layout, toStart, state, java.command, libDir, progress)

  progress(`Starting ${describeSize(layout)} of Kafka ${state.kafkaVersion}...`)
  for (const node of toStart) {
    state.pids[node.id] = startNode(node, {java: java.command, libDir, heapMb: options.heapMb ?? DEFAULTS.heapMb})
  }

  // Saved before waiting, so that `kafka:down` can stop a start that hangs.
  await writeState(layout.stateFile, state)
  try {
    await waitUntilAnswering(layout, state, options.startTimeoutMs ?? DEFAULTS.startTimeoutMs)
  } catch (error) {
    await stopNodes(layout, state, 10_000)
    throw error
  }

  return {...describe(layout, state), alreadyRunning: false}
}

/** Stops the local cluster (SIGTERM, then SIGKILL after `timeoutMs`); `purge` deletes its folder. */
export async function stopLocalKafka(
  options: {dir?: string; timeoutMs?: number; purge?: boolean} = {},
): Promise<DownResult> {
  const dir = path.resolve(options.dir ?? DEFAULTS.dir)
  const state = await readState(path.join(dir, 'cluster.json'))
  let stopped: number[] = []
  let killed: number[] = []
  if (state) {
    const layout = clusterLayout(dir, state.nodes, state.port)
    ;({stopped, killed} = await stopNodes(layout, state, options.timeoutMs ?? 60_000))
  }

  if (options.purge) await rm(dir, {recursive: true, force: true})
  return {dir, stopped, killed, purged: Boolean(options.purge)}
}

/** Reports each node's process and whether the cluster answers a metadata request. */
export async function localKafkaStatus(options: {dir?: string} = {}): Promise<LocalKafkaStatus> {
  const dir = path.resolve(options.dir ?? DEFAULTS.dir)
  const state = await readState(path.join(dir, 'cluster.json'))
  if (!state) return {health: 'absent', dir, nodes: []}
  const layout = clusterLayout(dir, state.nodes, state.port)
  const status = describe(layout, state)
  if (status.health === 'running' && !(await answers(layout, state, 5000))) {
    return {...status, health: 'degraded'}
  }

  return status
}

function resolveTopology(
  options: LocalKafkaOptions,
  previous: ClusterState | undefined,
  dir: string,
): Pick<ClusterState, 'kafkaVersion' | 'nodes' | 'port'> {
  const wanted = {
    kafkaVersion: options.kafkaVersion ?? previous?.kafkaVersion ?? DEFAULT_KAFKA_VERSION,
    nodes: options.nodes ?? previous?.nodes ?? DEFAULTS.nodes,
    port: options.port ?? previous?.port ?? options.defaultPort ?? DEFAULTS.port,
  }
  if (!/^\d+\.\d+\.\d+$/.test(wanted.kafkaVersion)) {
    throw new UsageError(`--kafka-version must look like 4.4.0, got ${JSON.stringify(wanted.kafkaVersion)}`)
  }

  if (wanted.port + 2 * wanted.nodes > 65_536) throw new UsageError(`--port ${wanted.port} leaves no room for the nodes`)
  if (
    previous &&
    (previous.kafkaVersion !== wanted.kafkaVersion || previous.nodes !== wanted.nodes || previous.port !== wanted.port)
  ) {
    throw new LocalKafkaError(
      `the local Kafka in ${dir} was set up as Kafka ${previous.kafkaVersion}, ${previous.nodes} node(s), port ${previous.port}: ` +
        'run `kq kafka:down --purge` to start over with other settings, or use another --dir',
    )
  }

  return wanted
}

async function assertPortsFree(nodes: NodeLayout[]): Promise<void> {
  for (const node of nodes) {
    for (const port of [node.clientPort, node.controllerPort]) {
      if (await isPortInUse(port)) {
        const holder = localKafkaOnPort(port)
        throw new LocalKafkaError(
          holder === undefined
            ? `port ${port} on 127.0.0.1 is already in use by another program: stop it, or choose other ports with --port`
            : `port ${port} on 127.0.0.1 is taken by the local Kafka in ${holder}: stop it with \`kq kafka:down --dir ${holder}\`, or choose other ports with --port`,
        )
      }
    }
  }
}

/**
 * Polls until every node answers a metadata request and sees all its peers. Gives up, with the
 * node's own last error line and its log's location, when a node dies or time runs out.
 */
async function waitUntilAnswering(layout: ClusterLayout, state: ClusterState, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    for (const node of layout.nodes) {
      if (!isNodeProcess(state.pids[node.id], node.propertiesFile)) {
        const line = await telltaleLogLine(node.logFile)
        throw new LocalKafkaError(
          `Kafka node ${node.id} stopped during start-up${line ? ` (${line})` : ''}: see its log at ${node.logFile}`,
        )
      }
    }

    if (await answers(layout, state, Math.max(500, Math.min(3000, deadline - Date.now())))) return
    if (Date.now() > deadline) {
      const logs = layout.nodes.map((node) => node.logFile).join(', ')
      throw new LocalKafkaError(
        `local Kafka did not answer within ${Math.round(timeoutMs / 1000)}s: it was stopped; see ${logs}, or try a longer --timeout`,
      )
    }

    await sleep(500)
  }
}

/** One metadata round trip: true when the cluster answers and reports all its brokers. */
async function answers(layout: ClusterLayout, state: ClusterState, timeoutMs: number): Promise<boolean> {
  const {withTopicAdmin} = await import('../kafka/index.js')
  const connection = {
    brokers: layout.bootstrap.split(','),
    clientId: 'kq-local-kafka',
    connectTimeoutMs: timeoutMs,
    ssl: Boolean(state.tls),
    ...(state.tls && {tls: await clientTls(layout.dir, state.tls)}),
    ...(state.security && {
      sasl: {
        mechanism: state.security.mechanism ?? 'plain',
        username: state.security.admin.name,
        password: state.security.admin.password,
      },
    }),
  }
  try {
    const cluster = await withTopicAdmin(connection, (admin) => admin.cluster())
    return cluster.brokers.length >= state.nodes
  } catch {
    return false
  }
}

async function stopNodes(
  layout: ClusterLayout,
  state: ClusterState,
  timeoutMs: number,
): Promise<{stopped: number[]; killed: number[]}> {
  const running = layout.nodes.filter((node) => isNodeProcess(state.pids[node.id], node.propertiesFile))
  const pidOf = new Map(running.map((node) => [node.id, state.pids[node.id] as number]))
  const killedPids = await terminate([...pidOf.values()], timeoutMs)
  for (const node of layout.nodes) state.pids[node.id] = null
  await writeState(layout.stateFile, state)
  return {
    stopped: running.map((node) => node.id),
    killed: running.filter((node) => killedPids.includes(pidOf.get(node.id) as number)).map((node) => node.id),
  }
}

function describe(layout: ClusterLayout, state: ClusterState): LocalKafkaStatus {
  const nodes = layout.nodes.map((node): NodeStatus => {
    const pid = state.pids[node.id] ?? null
    return {
      id: node.id,
      pid,
      running: isNodeProcess(pid, node.propertiesFile),
      address: `127.0.0.1:${node.clientPort}`,
      logFile: node.logFile,
    }
  })
  const runningCount = nodes.filter((node) => node.running).length
  const health: ClusterHealth =
    runningCount === nodes.length ? 'running' : runningCount === 0 ? 'stopped' : 'degraded'
  return {
    health,
    dir: layout.dir,
    kafkaVersion: state.kafkaVersion,
    bootstrap: layout.bootstrap,
    nodes,
    ...(state.security && {security: state.security}),
    ...(state.tls && {tls: tlsFiles(layout.dir, state.tls)}),
  }
}

function describeSize(layout: ClusterLayout): string {
  return layout.nodes.length === 1 ? '1 node' : `${layout.nodes.length} nodes`
}
