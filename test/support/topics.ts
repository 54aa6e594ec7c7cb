import {withTopicAdmin} from '../../src/lib/kafka/index.js'
import {runKq, uniqueTopic} from './cli.js'
import {kcat} from './kcat.js'

export function testBrokers(): string {
  return process.env.KAFKA_BROKERS as string
}

export function testConnection() {
  return {brokers: testBrokers().split(','), clientId: 'kq-test', connectTimeoutMs: 10_000, ssl: false}
}

/** A fresh queue with its topics created by kq itself. */
export async function createQueue(prefix: string, partitions = 1): Promise<string> {
  const queue = uniqueTopic(prefix)
  const {code, stderr} = await runKq(['topic:create', queue, '--partitions', String(partitions)])
  if (code !== 0) throw new Error(`topic:create ${queue} failed: ${stderr}`)
  return queue
}

/** The sum of a topic's end offsets: it moves exactly when a message is written. */
export async function endOffsetTotal(topic: string): Promise<number> {
  return endOffsetTotalOn(testConnection(), topic)
}

/** The same, on a cluster other than the run's shared broker. */
export async function endOffsetTotalOn(connection: ReturnType<typeof testConnection>, topic: string): Promise<number> {
  const offsets = await withTopicAdmin(connection, (admin) => admin.topicOffsets(topic))
  return offsets.reduce((sum, partition) => sum + partition.high, 0)
}

/** One record as kcat (librdkafka) reads it: an independent client's view of the bytes. */
export interface KcatRecord {
  topic: string
  partition: number
  offset: number
  key: string | null
  payload: string
  headers: Record<string, string>
}

/** Every record of a topic, read by kcat from the beginning to the current end. */
export async function kcatRecords(topic: string): Promise<KcatRecord[]> {
  const output = await kcat(['-b', testBrokers(), '-C', '-t', topic, '-o', 'beginning', '-e', '-J', '-q'])
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const raw = JSON.parse(line) as Omit<KcatRecord, 'headers'> & {headers?: string[]}
      const headers: Record<string, string> = {}
      for (let index = 0; index + 1 < (raw.headers?.length ?? 0); index += 2) {
        headers[raw.headers![index]] = raw.headers![index + 1]
      }

      return {...raw, headers}
    })
}
