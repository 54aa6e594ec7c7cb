import {readFileSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'

import {localKafkaStatus, startLocalKafka, stopLocalKafka} from '../../src/lib/local-kafka/index.js'
import {kcatMetadata} from '../support/kcat.js'
import {startJarKafka} from '../support/kafka.js'
import {JAR_CACHE} from '../support/paths.js'

/** A local Kafka of the fault run's own, whose nodes a scenario kills, stops and brings back. */
export class FaultCluster {
  private constructor(
    readonly brokers: string,
    readonly dir: string,
    private readonly stopAll: () => Promise<void>,
  ) {}

  static async start(name: string, nodes: number): Promise<FaultCluster> {
    const kafka = await startJarKafka(name, {nodes})
    return new FaultCluster(kafka.brokers, kafka.dir, kafka.stop)
  }

  /**
   * A cluster the run shares and stops at its end: removing it leaves it running. Each scenario
   * starts again the nodes it killed.
   */
  static shared(kafka: {brokers: string; dir: string}): FaultCluster {
    return new FaultCluster(kafka.brokers, kafka.dir, async () => {})
  }

  /** Kills these nodes' JVMs with SIGKILL: no shutdown, no flush, as a machine that dies. */
  async kill(nodeIds: number[]): Promise<void> {
    const {nodes} = await localKafkaStatus({dir: this.dir})
    const pids = nodes.filter((node) => nodeIds.includes(node.id) && node.pid !== null && node.running).map((node) => node.pid as number)
    for (const pid of pids) process.kill(pid, 'SIGKILL')
    // Gone, not dying: a restart right after must see these nodes down and start them.
    while (pids.some((pid) => isAlive(pid))) await sleep(50)
  }

  /** Stops every node the way an operator does (SIGTERM, controlled shutdown). */
  async stopCleanly(): Promise<void> {
    await stopLocalKafka({dir: this.dir})
  }

  /** Starts every node that is not running, on the same ports with the same data. */
  async restart(): Promise<void> {
    await startLocalKafka({dir: this.dir, cacheDir: JAR_CACHE, heapMb: 384})
  }

  /** The node leading this partition now, as kcat sees the metadata. */
  async leaderOf(topic: string, partition = 0): Promise<number> {
    const {topics} = await kcatMetadata(this.brokers, topic)
    const found = topics.find((each) => each.topic === topic)?.partitions.find((each) => each.partition === partition)
    if (found === undefined) throw new Error(`no metadata for ${topic}[${partition}]`)
    return found.leader
  }

  async nodeIds(): Promise<number[]> {
    return (await localKafkaStatus({dir: this.dir})).nodes.map((node) => node.id)
  }

  /** Stops the cluster and deletes its folder (a shared one is left running). */
  async remove(): Promise<void> {
    await this.stopAll()
  }
}

/** Whether the process still runs: a zombie (state Z, waiting to be reaped) has stopped. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}
