import {Flags} from '@oclif/core'

import {KqCommand} from '../base-command.js'
import {topicName} from '../lib/config/values.js'
import {assertJobsFolder} from '../lib/jobs/files.js'
import {lineWriter} from '../lib/output/lines.js'
import {isLoopback} from '../lib/host-names.js'
import {humanRenderer, jsonRenderer, metricsLine} from '../lib/output/worker.js'
import {type KqConfig} from '../lib/config/index.js'
import {ConfigError, UsageError} from '../lib/errors.js'
import {type MetricsServer} from '../lib/metrics/server.js'
import {type WorkerEvents, type WorkerSummary} from '../lib/worker/events.js'
import {WORKER_SETTING_NAMES} from '../lib/worker/settings.js'
import {Worker} from '../lib/worker/worker.js'
import {brokersFlag, jobsDirFlag, queueFlag, queuesOf, textArgument, workerFlags, workerSettingsFromFlags} from '../shared/flags.js'
import {givenSetting} from '../shared/config-flags.js'
import {type Failure} from '../shared/failure.js'
import {asksForJson, failureLine} from '../shared/json-lines.js'
import {guardWorkerProcess} from '../shared/worker-process.js'

const WORKER_EVENTS: Array<keyof WorkerEvents> = [
  'started',
  'assigned',
  'job:running',
  'job:done',
  'job:failed',
  'job:released',
  'job:skipped',
  'job:log',
  'poison',
  'warning',
  'paused',
  'continued',
  'restart',
  'broker:lost',
  'broker:restored',
  'stopping',
  'stopped',
]

/** What --quiet leaves out: the lines of jobs that ran well. */
const QUIET_EVENTS = new Set<keyof WorkerEvents>(['job:running', 'job:done', 'job:log'])

/**
 * The worker's Prometheus endpoint, when a port is set (--metrics-port, else KQ_METRICS_PORT).
 * Loaded only then: prom-client stays off the path of every other start.
 */
async function startMetrics(worker: Worker, config: Pick<KqConfig, 'metricsPort' | 'metricsPortOffset'>): Promise<MetricsServer | undefined> {
  const base = worker.options.metricsPort ?? config.metricsPort
  if (base === undefined) return undefined
  const port = base + config.metricsPortOffset
  if (port > 65_535) {
    throw new ConfigError(`metrics port ${base} + KQ_METRICS_PORT_OFFSET ${config.metricsPortOffset} is past 65535: choose a lower --metrics-port`)
  }

  const [{workerMetrics}, {serveMetrics}] = await Promise.all([import('../lib/metrics/worker-metrics.js'), import('../lib/metrics/server.js')])
  return serveMetrics(workerMetrics(worker), {port, host: worker.options.metricsHost})
}

export default class Work extends KqCommand {
  // Laravel's name for it.
  static override aliases = ['queue:work']
  static override summary = 'Work the jobs of one or more queues, as Laravel’s queue:work.'
  static override description =
    'Joins the consumer group on the queues’ topics, retry and delay topics. Queues are worked in strict priority: a ' +
    'job of a later queue starts only when no earlier queue has one ready. A failed job is retried after its backoff, ' +
    'and dead-lettered after its last try. SIGINT/SIGTERM stop gracefully (running jobs finish); ' +
    'a second signal exits at once (unfinished jobs are delivered again later). Exit codes: 0 stopped, 5 Kafka ' +
    'unreachable past --broker-timeout, 12 over --memory. There is no --sleep (Laravel\'s idle wait): a worker waits on ' +
    'the broker, which answers the moment a job arrives, so an idle worker neither polls hard nor starts late.'

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> emails --tries=3 --backoff=1,5,10 --concurrency=8',
    '<%= config.bin %> <%= command.id %> high,default --stop-when-empty --json',
  ]

  // Streams one JSON line per event rather than one document at the end.
  static override enableJsonFlag = false

  static override args = {
    queues: textArgument('Queue to work, or a comma-separated list, highest priority first. Default: KAFKA_QUEUE.'),
  }

  static override flags = {
    ...workerFlags(WORKER_SETTING_NAMES),
    queue: queueFlag,
    // Laravel's, taken only to say why kq has none: a command line copied from a Laravel
    // worker would otherwise stop at oclif's bare "Nonexistent flag".
    sleep: Flags.string({hidden: true}),
    once: Flags.boolean({description: 'Work one job, then stop.'}),
    json: Flags.boolean({description: 'One JSON object per event and line.'}),
    verbose: Flags.boolean({char: 'v', description: 'Show job ids, partitions and offsets.', exclusive: ['quiet']}),
    quiet: Flags.boolean({char: 'q', description: 'No line per job: only failures, warnings and the summary.'}),
    brokers: brokersFlag,
    'jobs-dir': jobsDirFlag,
  }

  async run(): Promise<WorkerSummary> {
    const {args, flags} = await this.parse(Work)
    const named = queuesOf(args.queues, flags.queue)
    refuseSleep(flags)
    const config = this.loadConfig(flags)
    // Only a folder named on purpose: the default one may well be missing while a worker runs.
    if (givenSetting(flags, 'KQ_JOBS_DIR') !== undefined) assertJobsFolder(config.jobsDir)
    const queues = named?.split(',').map((queue) => topicName({raw: queue.trim(), label: 'queue', fromCommandLine: true}))
    this.actingAs('worker', config, queues ?? [config.queue])
    const worker = new Worker(config, {
      ...workerSettingsFromFlags(WORKER_SETTING_NAMES, flags),
      queues,
      ...(flags.once && {maxJobs: 1}),
    })
    const render = flags.json ? jsonRenderer() : humanRenderer({verbose: flags.verbose, once: flags.once})
    const output = lineWriter()
    // Unheard events cost nothing: with --quiet a job that succeeds is never formatted.
    const events = flags.quiet ? WORKER_EVENTS.filter((event) => !QUIET_EVENTS.has(event)) : WORKER_EVENTS
    for (const event of events) {
      worker.on(event, (payload) => {
        const text = render(event, payload)
        if (text !== undefined) output.write(text)
      })
    }

    // Before the worker starts: a port that cannot be had stops it with nothing consumed.
    const metrics = await startMetrics(worker, config)
    if (metrics && !flags.json) output.write(metricsLine(metrics.url, {open: !isLoopback(worker.options.metricsHost)}))
    const release = guardWorkerProcess(worker, output, {json: flags.json})
    let summary: WorkerSummary
    try {
      summary = await worker.run()
    } finally {
      release()
      await metrics?.close()
      output.flush()
    }

    // Exit now, as Laravel's worker does once stopped: a timer or socket a job left open must
    // not keep a stopped worker's process alive under a process manager.
    return this.exit(summary.exitCode)
  }

  // With --json every line is JSON, the failures and warnings before the worker starts too.
  protected override reportFailure(failure: Failure, error: Error): void {
    if (asksForJson(this.argv)) process.stdout.write(`${failureLine(failure)}\n`)
    else super.reportFailure(failure, error)
  }

  protected override warning(message: string): void {
    if (asksForJson(this.argv)) process.stdout.write(`${jsonRenderer()('warning', {message})}\n`)
    else super.warning(message)
  }
}

/** Laravel's --sleep, refused with why kq has none: oclif's bare "Nonexistent flag" says nothing of it. */
function refuseSleep(flags: {sleep?: string}): void {
  if (flags.sleep !== undefined) {
    throw new UsageError(
      'kq work has no --sleep (Laravel\'s wait before it polls an empty queue again): the worker waits on Kafka, which hands it a job the moment one arrives; drop the flag',
    )
  }
}
