import {randomBytes} from 'node:crypto'
import {mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {type LocalTls} from './certificates.js'
import {type LocalSecurity} from './security.js'

/** What `kafka:up` remembers about a local cluster between commands, in `<dir>/cluster.json`. */
export interface ClusterState {
  kafkaVersion: string
  /** Kafka's cluster id, written into every node's storage when it is formatted. */
  clusterId: string
  nodes: number
  port: number
  /** Process id of each running node, by node id; null once stopped. */
  pids: Record<string, number | null>
  /** Set for a cluster with SASL and ACLs (kafka:up --sasl): its users and passwords. */
  security?: LocalSecurity
  /** Set for a cluster whose client port speaks TLS (kafka:up --tls). */
  tls?: LocalTls
}

export async function readState(stateFile: string): Promise<ClusterState | undefined> {
  let text: string
  try {
    text = await readFile(stateFile, 'utf8')
  } catch {
    return undefined
  }

  try {
    return JSON.parse(text) as ClusterState
  } catch {
    // A torn write cannot happen (see writeState), so this is a hand edit: start afresh.
    return undefined
  }
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
export async function writeState(stateFile: string, state: ClusterState): Promise<void> {
  await mkdir(path.dirname(stateFile), {recursive: true})
  const temporary = `${stateFile}.${process.pid}.tmp`
  // Private to its owner: it may hold the local cluster's passwords.
  await writeFile(temporary, JSON.stringify(state, null, 2) + '\n', {mode: 0o600})
  await rename(temporary, stateFile)
}

/**
 * A new cluster id in Kafka's own format: 16 random bytes, base64url without padding. Kafka's
 * generator rejects ids that start with '-', because the storage tool would read one as a flag.
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url')
    if (!id.startsWith('-')) return id
  }
}
