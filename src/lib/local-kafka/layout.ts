import path from 'node:path'

/**
 * Where a local cluster keeps its files and which ports its nodes listen on. Pure: the same
 * options always give the same layout, so `up`, `down` and `status` agree without talking.
 *
 *     <dir>/cluster.json               topology, cluster id and process ids
 *     <dir>/node-<id>/server.properties
 *     <dir>/node-<id>/data/            the node's log.dirs (KRaft metadata and topics)
 *     <dir>/node-<id>/server.log       the JVM's output
 *     <cacheDir>/kafka-<version>/lib/  broker jars from Maven Central, shared by every cluster
 *
 * Node n (1-based) of an N-node cluster listens for clients on `port + n - 1` and for its
 * controller quorum on `port + N + n - 1`: one node takes 9092 and 9093, three take 9092-9097.
 */
export interface NodeLayout {
  id: number
  clientPort: number
  controllerPort: number
  nodeDir: string
  dataDir: string
  logFile: string
  propertiesFile: string
}

export interface ClusterLayout {
  dir: string
  stateFile: string
  nodes: NodeLayout[]
  /** The bootstrap list for clients: every node's client address. */
  bootstrap: string
}

export const LOOPBACK = '127.0.0.1'

export function clusterLayout(dir: string, nodes: number, port: number): ClusterLayout {
  const root = path.resolve(dir)
  const layouts = Array.from({length: nodes}, (_, index): NodeLayout => {
    const id = index + 1
    const nodeDir = path.join(root, `node-${id}`)
    return {
      id,
      clientPort: port + index,
      controllerPort: port + nodes + index,
      nodeDir,
      dataDir: path.join(nodeDir, 'data'),
      logFile: path.join(nodeDir, 'server.log'),
      propertiesFile: path.join(nodeDir, 'server.properties'),
    }
  })
  return {
    dir: root,
    stateFile: path.join(root, 'cluster.json'),
    nodes: layouts,
    bootstrap: layouts.map((node) => `${LOOPBACK}:${node.clientPort}`).join(','),
  }
}

export function jarCacheDir(cacheDir: string, kafkaVersion: string): string {
  return path.join(path.resolve(cacheDir), `kafka-${kafkaVersion}`)
}
