import {kq} from './cli.js'
import {sharedKafka} from './kafka.js'
import {JAR_CACHE} from './paths.js'
import {freePortRange} from './ports.js'

/** What `kq kafka:up --nodes 3 --json` answered when it started the run's three-node cluster. */
export interface TrioStarted {
  bootstrap: string
  nodes: Array<{id: number; pid: number; address: string}>
}

export interface Trio {
  dir: string
  brokers: string
  /** kafka:up's own answer, for the tests of that command. */
  started: TrioStarted
}

/**
 * The run's one three-node Kafka, for every file that needs replication or a node to kill:
 * three JVMs take the better part of a minute to start on a busy machine, once is enough.
 * Started by the first file that asks, with `kq kafka:up --nodes 3` so that the command itself
 * is what starts it; each file works on topics of its own and starts again any node it kills;
 * the global teardown stops it. A test that must leave nodes dead (the quorum loss) keeps a
 * cluster of its own: a survivor of a lost quorum is not a cluster the next file can trust.
 */
export async function sharedTrio(): Promise<Trio> {
  return trio.get()
}

/** Stops the three-node cluster if a file started it, and deletes its folder. */
export async function stopSharedTrio(): Promise<void> {
  await trio.stop()
}

const trio = sharedKafka('trio', async (dir): Promise<Trio> => {
  const port = await freePortRange(6)
  const up = await kq(['kafka:up', '--nodes', '3', '--port', String(port), '--dir', dir, '--cache-dir', JAR_CACHE, '--heap', '384', '--json'], {
    timeoutMs: 180_000,
  })
  if (up.code !== 0) throw new Error(`kafka:up --nodes 3 failed (${up.code}): ${up.stderr}`)
  const started = JSON.parse(up.stdout) as TrioStarted
  return {
    dir,
    brokers: started.bootstrap,
    started,
  }
})
