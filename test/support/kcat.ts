import {execFile} from 'node:child_process'

/**
 * kcat (librdkafka) is an independent Kafka client: what it sees proves that kq's topics and
 * messages are plain Kafka, not something only kq can read.
 */
export async function kcat(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const consumer = args.includes('-C')
    const child = execFile('kcat', consumer ? [...args, ...KCAT_QUICK_END] : args, {timeout: 60_000, maxBuffer: 64 * 1024 * 1024}, (error, stdout, stderr) => {
      if (error) {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
        reject(new Error(missing ? 'kcat is not installed: run `npm run setup` (apt-get install kcat)' : `kcat ${withoutSecrets(args).join(' ')} failed: ${stderr}`))
      } else {
        resolve(stdout)
      }
    })
    if (input !== undefined) child.stdin?.end(input)
  })
}

/**
 * For a consumer that reads to the end (-C -e): the broker holds a fetch at the end of a
 * partition for fetch.wait.max.ms (librdkafka's default 500 ms) before kcat learns it is there,
 * once a partition, which made each read take a second or more. What is read is the same.
 */
export const KCAT_QUICK_END = ['-X', 'fetch.wait.max.ms=20']

/** kcat's arguments with the values of its secret properties hidden, for messages. */
export function withoutSecrets(args: string[]): string[] {
  return args.map((arg) => arg.replace(/^((?:sasl\.password|ssl\.key\.password)=).*/, '$1***'))
}

export interface KcatTopic {
  topic: string
  partitions: Array<{partition: number; leader: number; replicas: Array<{id: number}>}>
}

/** Cluster metadata as kcat reports it (`kcat -L -J`). */
export async function kcatMetadata(brokers: string, topic?: string): Promise<{brokers: unknown[]; topics: KcatTopic[]}> {
  const args = ['-b', brokers, '-L', '-J', ...(topic ? ['-t', topic] : [])]
  return JSON.parse(await kcat(args))
}
