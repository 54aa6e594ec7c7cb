import {type KqConfig} from '../config/index.js'

/**
 * Everything a worker is told, in one object, as Laravel's WorkerOptions: `kq work` builds it
 * from its flags, an application from its own settings. Defaults live with each field.
 */
export interface WorkerOptions {
  /** Queues to work. @defaultValue [KAFKA_QUEUE] */
  queues: string[]
  /** Consumer group; workers in one group share the partitions. @defaultValue KAFKA_CONSUMER_GROUP */
  group: string
  /** Tries per job when neither the message nor the job class says. @defaultValue 1 */
  tries: number
  /** Seconds before each retry when the job says nothing; the last repeats. @defaultValue [] (none) */
  backoff: number[]
  /** Seconds an attempt may run when the job says nothing. @defaultValue 60 */
  timeout: number
  /** Jobs in flight at once, across partitions and, for different keys, within one. @defaultValue 1 */
  concurrency: number
  /**
   * Retry a failed job where it is, holding back the jobs after it with the same key, instead
   * of through the retry topic: strict order per key, at the price of blocking that key (and
   * its partition's progress) for the backoff. @defaultValue false
   */
  retryInPlace: boolean
  /** Stop after this many jobs (tries that ran). @defaultValue unlimited */
  maxJobs?: number
  /** Stop after this many seconds. @defaultValue unlimited */
  maxTime?: number
  /** Stop, with exit code 12, once the process uses more than this many MB. @defaultValue unlimited */
  memory?: number
  /** Stop once every assigned partition, retries included, is worked to its end. @defaultValue false */
  stopWhenEmpty: boolean
  /** For a group with no committed offsets: start at the topics' beginning, not their end. @defaultValue false */
  fromBeginning: boolean
  /**
   * Seconds without a heartbeat before the group gives this worker's partitions away: how long
   * a killed worker's partitions wait for another. Heartbeats never wait for jobs, so long jobs
   * need no longer. @defaultValue 10
   */
  sessionTimeout: number
  /** Seconds to keep trying a lost broker before stopping with exit code 5. @defaultValue 60 */
  brokerTimeout: number
  /**
   * Jobs fetched ahead of the running ones, at most (per queue, counting the queues before it):
   * fetching pauses above it and resumes at half. @defaultValue 10 x concurrency, at least 1000
   */
  prefetch: number
}

export function workerOptions(config: KqConfig, given: Partial<WorkerOptions> = {}): WorkerOptions {
  const defined = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined))
  return {
    queues: [config.queue],
    group: config.consumerGroup,
    tries: 1,
    backoff: [],
    timeout: 60,
    concurrency: 1,
    retryInPlace: false,
    stopWhenEmpty: false,
    fromBeginning: false,
    sessionTimeout: 10,
    brokerTimeout: 60,
    prefetch: Math.max(1000, 10 * ((defined.concurrency as number | undefined) ?? 1)),
    ...defined,
  }
}
