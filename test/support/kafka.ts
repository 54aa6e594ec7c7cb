import path from 'node:path'

import {startLocalKafka, stopLocalKafka} from '../../src/lib/local-kafka/index.js'
import {JAR_CACHE, TEST_KAFKA_ROOT} from './paths.js'
import {freePortRange} from './ports.js'

export interface TestKafka {
  brokers: string
  /** Where it came from, printed once so a reader of the test log knows what was tested. */
  origin: string
  stop(): Promise<void>
}

/**
 * The one broker of a test run: KAFKA_BROKERS when set; else a container when a Docker engine
 * answers; else a real Kafka started from Maven jars by the same code as `kq kafka:up`.
 */
export async function startTestKafka(): Promise<TestKafka> {
  if (process.env.KAFKA_BROKERS) {
    return {brokers: process.env.KAFKA_BROKERS, origin: 'KAFKA_BROKERS', stop: async () => {}}
  }

  return (await startContainerKafka()) ?? startJarKafka('shared', {nodes: 1})
}

async function startContainerKafka(): Promise<TestKafka | undefined> {
  try {
    const {getContainerRuntimeClient} = await import('testcontainers')
    await getContainerRuntimeClient()
  } catch {
    return undefined
  }

  const {KafkaContainer} = await import('@testcontainers/kafka')
  const container = await new KafkaContainer(process.env.KAFKA_IMAGE ?? 'confluentinc/cp-kafka:7.9.0').withKraft().start()
  return {
    brokers: `${container.getHost()}:${container.getMappedPort(9093)}`,
    origin: 'testcontainers',
    stop: async () => {
      await container.stop()
    },
  }
}

/** A cluster of real Kafka from Maven jars in its own folder, on free ports; purged on stop. */
export async function startJarKafka(
  name: string,
  options: {nodes: number; kafkaVersion?: string},
): Promise<TestKafka & {dir: string}> {
  const dir = path.join(TEST_KAFKA_ROOT, `${name}-${process.pid}`)
  await stopLocalKafka({dir, purge: true})
  const port = await freePortRange(options.nodes * 2)
  const started = await startLocalKafka({
    dir,
    cacheDir: JAR_CACHE,
    port,
    nodes: options.nodes,
    kafkaVersion: options.kafkaVersion,
    heapMb: 384,
  })
  return {
    dir,
    brokers: started.bootstrap as string,
    origin: `Kafka ${started.kafkaVersion} from Maven jars (${options.nodes} node(s), ${dir})`,
    stop: async () => {
      await discardLocalKafka(dir)
    },
  }
}

/**
 * Stops a test cluster and deletes its folder. Nothing in it is kept, so its nodes get a second
 * to stop before they are killed rather than the minute a controlled shutdown may take (a node
 * without its controller quorum spends all of it).
 */
export async function discardLocalKafka(dir: string): Promise<void> {
  await stopLocalKafka({dir, purge: true, timeoutMs: 1000})
}

/** A cluster started once in a run, by the first file that asks, and discarded by the global teardown. */
export interface SharedKafka<T> {
  get(): Promise<T>
  /** Stops it if a file started it, and deletes its folder. */
  stop(): Promise<void>
}

/** `start` gets the cluster's folder, emptied of any earlier run's. */
export function sharedKafka<T>(name: string, start: (dir: string) => Promise<T>): SharedKafka<T> {
  const dir = path.join(TEST_KAFKA_ROOT, `${name}-${process.pid}`)
  let started: Promise<T> | undefined
  return {
    async get() {
      started ??= stopLocalKafka({dir, purge: true}).then(async () => start(dir))
      return started
    },
    async stop() {
      if (started === undefined) return
      await started.catch(() => {})
      await discardLocalKafka(dir)
    },
  }
}
