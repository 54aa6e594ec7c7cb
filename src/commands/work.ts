import {Flags} from '@oclif/core'

import {KqCommand} from '../base-command.js'
import {brokersFlag, jobsDirFlag, textArgument} from '../flags.js'
import {topicName} from '../lib/config/values.js'
import {UsageError} from '../lib/errors.js'
import {humanRenderer, jsonRenderer} from '../lib/output/worker.js'
import {parseBackoffList} from '../lib/retry/index.js'
import {type WorkerEvents, type WorkerSummary} from '../lib/worker/events.js'
import {Worker} from '../lib/worker/worker.js'

const WORKER_EVENTS: Array<keyof WorkerEvents> = [
  'started',
  'assigned',
  'job:running',
  'job:done',
  'job:failed',
  'job:log',
  'poison',
  'warning',
  'broker:lost',
  'broker:restored',
  'stopping',
  'stopped',
]

export default class Work extends KqCommand {
  static override summary = 'Work the jobs of one or more queues, as Laravel’s queue:work.'
  static override description =
    'Joins the consumer group on the queues’ topics and retry topics. A failed job is retried through the retry topic ' +
    'after its backoff, and dead-lettered after its last try. SIGINT/SIGTERM stop gracefully (running jobs finish); ' +
    'a second signal exits at once (unfinished jobs are delivered again later). Exit codes: 0 stopped, 5 Kafka ' +
    'unreachable past --broker-timeout, 12 over --memory.'

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> emails --tries=3 --backoff=1,5,10 --concurrency=8',
    '<%= config.bin %> <%= command.id %> high,default --stop-when-empty --json',
  ]

  // Streams one JSON line per event rather than one document at the end.
  static override enableJsonFlag = false

  static override args = {
    queues: textArgument('Queue to work, or a comma-separated list. Default: KAFKA_QUEUE.'),
  }

  static override flags = {
    tries: Flags.integer({description: 'Tries per job unless the job class says (default 1).', min: 1}),
    backoff: Flags.string({description: 'Seconds before each retry, e.g. 1,5,10 (the last repeats).'}),
    timeout: Flags.integer({description: 'Seconds an attempt may run unless the job class says (default 60).', min: 1}),
    concurrency: Flags.integer({char: 'c', description: 'Jobs in flight at once (default 1).', min: 1, max: 1000}),
    'retry-in-place': Flags.boolean({description: 'Retry where the job is, keeping strict order per key.'}),
    'max-jobs': Flags.integer({description: 'Stop after this many jobs.', min: 1}),
    'max-time': Flags.integer({description: 'Stop after this many seconds.', min: 1}),
    memory: Flags.integer({description: 'Stop with exit code 12 above this many MB of memory.', min: 16}),
    'stop-when-empty': Flags.boolean({description: 'Stop once every partition (and its retries) is worked out.'}),
    once: Flags.boolean({description: 'Work one job, then stop.'}),
    group: Flags.string({char: 'g', description: 'Consumer group (overrides KAFKA_CONSUMER_GROUP).'}),
    'from-beginning': Flags.boolean({description: 'A group without committed offsets starts at the topics’ beginning.'}),
    'session-timeout': Flags.integer({description: 'Seconds without heartbeat before the group gives up on this worker.', default: 30, min: 3}),
    'broker-timeout': Flags.integer({description: 'Seconds to keep trying a lost broker before exiting 5.', default: 60, min: 1}),
    json: Flags.boolean({description: 'One JSON object per event and line.'}),
    verbose: Flags.boolean({char: 'v', description: 'Show job ids, partitions and offsets.'}),
    brokers: brokersFlag,
    'jobs-dir': jobsDirFlag,
  }

  async run(): Promise<WorkerSummary> {
    const {args, flags} = await this.parse(Work)
    const config = this.loadConfig(flags)
    const worker = new Worker(config, {
      queues: args.queues?.split(',').map((queue) => topicName({raw: queue.trim(), label: 'queue', fromCommandLine: true})),
      group: flags.group,
      tries: flags.tries,
      backoff: flags.backoff === undefined ? undefined : backoffFlag(flags.backoff),
      timeout: flags.timeout,
      concurrency: flags.concurrency,
      retryInPlace: flags['retry-in-place'],
      maxJobs: flags.once ? 1 : flags['max-jobs'],
      maxTime: flags['max-time'],
      memory: flags.memory,
      stopWhenEmpty: flags['stop-when-empty'],
      fromBeginning: flags['from-beginning'],
      sessionTimeout: flags['session-timeout'],
      brokerTimeout: flags['broker-timeout'],
    })
    const render = flags.json ? jsonRenderer() : humanRenderer({verbose: flags.verbose})
    for (const event of WORKER_EVENTS) {
      worker.on(event, (payload) => {
        const text = render(event, payload)
        if (text !== undefined) process.stdout.write(`${text}\n`)
      })
    }

    const release = guardProcess(worker)
    try {
      const summary = await worker.run()
      if (summary.exitCode !== 0) this.exit(summary.exitCode)
      return summary
    } finally {
      release()
    }
  }
}

function backoffFlag(text: string): number[] {
  try {
    return parseBackoffList(text)
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

/**
 * Signals stop the worker gracefully; a second one exits at once. Errors that a job's stray
 * callbacks throw outside any attempt are reported, not allowed to kill the worker.
 */
function guardProcess(worker: Worker): () => void {
  let signals = 0
  const onSignal = (signal: NodeJS.Signals) => {
    signals++
    if (signals === 1) {
      void worker.stop('signal')
      return
    }

    process.stderr.write(`\nSecond ${signal}: exiting now; unfinished jobs will be delivered again.\n`)
    process.exit(signal === 'SIGINT' ? 130 : 143)
  }

  const onStray = (error: unknown) => {
    worker.emit('warning', {message: `a job left an error outside its attempt: ${error instanceof Error ? error.message : String(error)}`})
  }

  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.on('unhandledRejection', onStray)
  process.on('uncaughtException', onStray)
  return () => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('unhandledRejection', onStray)
    process.off('uncaughtException', onStray)
  }
}
