import {Errors, Flags, type Interfaces} from '@oclif/core'

import {KqCommand} from '../base-command.js'
import {topicName} from '../lib/config/values.js'
import {ExitCode} from '../lib/errors.js'
import {HIDE_CURSOR, SHOW_CURSOR, renderRefresh, renderStatus} from '../lib/output/monitoring.js'
import {
  type Crossings,
  type StatusSnapshot,
  StatusMonitor,
  type WatchRefresh,
  notifyWebhook,
  watchExitCode,
  watchStatus,
  webhookUrl,
} from '../lib/monitoring/index.js'
import {type Failure, failureJson} from '../shared/failure.js'
import {brokersFlag, textArgument} from '../shared/flags.js'
import {onStopSignals} from '../shared/signals.js'
import {warning} from '../shared/warning.js'

/** How often --watch refreshes without --interval. */
const WATCH_INTERVAL_SECONDS = 5

export default class Status extends KqCommand {
  // It reports on queues there are: one that does not exist was mistyped.
  protected override readonly readsQueues = true

  /** Set once the flags are read: --watch --json prints one object a line, its failures too. */
  private watching = false

  // Laravel's name for it.
  static override aliases = ['queue:monitor']
  static override summary = 'Show the lag, workers, retries, delayed jobs and dead letters of the queues; alert past thresholds.'
  static override description =
    'Without QUEUES, reports every queue it finds: each topic that has both a -retry and a -dlt companion. LAG is ' +
    'log-end offset minus the group’s committed offset, as kafka-consumer-groups reports it (`-` where the group has ' +
    'none); RETRY is that lag on the retry topic; DELAYED counts the records on the delay topics the group has not ' +
    'worked; DEAD counts dead letters past the group <group>-dlt. RATE is what ' +
    'the group committed per second over --sample seconds (in --watch, since the last refresh), and DRAIN is LAG ' +
    'divided by RATE. Exit codes: 0, 3 when a queue is past --max-lag or --max-dead, 5 Kafka unreachable, 6 a queue that does not exist.'

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> orders,emails --watch --interval 5',
    '<%= config.bin %> <%= command.id %> --max-lag 1000 --max-dead 0 --webhook https://hooks.slack.com/services/T000/B000/XXXX',
    '<%= config.bin %> <%= command.id %> orders --json --sample 0',
  ]

  static override args = {
    queues: textArgument('Queue, or comma-separated queues. Default: every queue found (topics with -retry and -dlt companions).'),
  }

  static override flags = {
    group: Flags.string({char: 'g', description: 'Consumer group of the workers (overrides KAFKA_CONSUMER_GROUP).'}),
    'max-lag': Flags.integer({description: 'Alert (exit 3) when a queue’s lag is above this many jobs.', min: 0}),
    'max-dead': Flags.integer({description: 'Alert (exit 3) when a queue has more pending dead letters than this.', min: 0}),
    webhook: Flags.string({description: 'POST a JSON alert ({text, queues}, Slack-compatible) here when a threshold is crossed.'}),
    watch: Flags.boolean({char: 'w', description: 'Refresh every --interval seconds until Ctrl-C.'}),
    // No oclif default: oclif would then find --interval given without --watch on every call.
    interval: Flags.integer({description: `Seconds between refreshes with --watch. [default: ${WATCH_INTERVAL_SECONDS}]`, min: 1, dependsOn: ['watch']}),
    sample: Flags.integer({description: 'Seconds between the two reads the rates come from; 0 for one read, no rates.', default: 2, min: 0}),
    brief: Flags.boolean({description: 'Only the queue table: no partitions, no workers.'}),
    brokers: brokersFlag,
  }

  async run(): Promise<StatusSnapshot> {
    const {args, flags} = await this.parse(Status)
    this.watching = flags.watch
    const config = this.loadConfig(flags)
    const webhook = flags.webhook === undefined ? undefined : webhookUrl(flags.webhook)
    const queues = args.queues?.split(',').map((queue) => topicName({raw: queue, label: 'queue', fromCommandLine: true}))
    this.actingAs('operator', config, queues ?? [config.queue])
    const monitor = new StatusMonitor(config.kafka, config, {
      queues,
      group: config.consumerGroup,
      // A login sees only what its ACLs let it: finding no queue, it reports on KAFKA_QUEUE, or says why it cannot.
      whenNoneFound: config.kafka.sasl !== undefined || config.kafka.tls?.cert !== undefined ? config.queue : undefined,
      controlTopic: config.controlTopic,
      batchTopic: config.batchTopic,
      minInsyncReplicas: config.minInsyncReplicas,
      thresholds: {maxLag: flags['max-lag'], maxDead: flags['max-dead']},
    })
    try {
      if (flags.watch) return this.exit(await this.watch(monitor, {...flags, interval: flags.interval ?? WATCH_INTERVAL_SECONDS, webhook}))
      const {snapshot, changes} = await monitor.sampled(flags.sample)
      await notify(webhook, snapshot, changes)
      if (!this.jsonEnabled()) this.log(renderStatus(snapshot, {brief: flags.brief}))
      if (!snapshot.alert) return snapshot
      // oclif prints a returned result only on success; an alert's figures are printed here.
      if (this.jsonEnabled()) this.logJson(snapshot)
      return this.exit(ExitCode.Alert)
    } finally {
      await monitor.close()
    }
  }

  /** Refreshes until SIGINT or SIGTERM; the exit code is the last refresh's (0, 3, or its error's). */
  private async watch(monitor: StatusMonitor, flags: {interval: number; sample: number; brief: boolean; webhook?: URL}): Promise<number> {
    const json = this.jsonEnabled()
    const terminal = !json && Boolean(process.stdout.isTTY)
    const stop = new AbortController()
    const releaseSignals = onStopSignals({
      stop: () => stop.abort(),
      // A second signal while a slow read finishes: leave now, with the cursor back.
      beforeExit() {
        if (terminal) process.stdout.write(SHOW_CURSOR)
      },
    })
    if (terminal) process.stdout.write(HIDE_CURSOR)
    const show = async (refresh: WatchRefresh) => {
      if ('snapshot' in refresh) await notify(flags.webhook, refresh.snapshot, refresh.changes)
      process.stdout.write(renderRefresh(refresh, {json, terminal, intervalSeconds: flags.interval, brief: flags.brief}))
    }

    try {
      return watchExitCode(await watchStatus(monitor, {intervalSeconds: flags.interval, sampleSeconds: flags.sample, signal: stop.signal}, show))
    } finally {
      releaseSignals()
      if (terminal) process.stdout.write(SHOW_CURSOR)
    }
  }

  // A first read that fails under --watch --json is a line of the stream, as a later one is.
  protected override reportFailure(failure: Failure, error: Error): void {
    if (this.watching && this.jsonEnabled()) process.stdout.write(`${JSON.stringify({time: new Date().toISOString(), ...failureJson(failure)})}\n`)
    else super.reportFailure(failure, error)
  }

  protected override async catch(error: Interfaces.CommandError): Promise<unknown> {
    // An exit chosen by run() (3 after an alert, or the end of --watch) has said what it had to.
    if (error instanceof Errors.ExitError) throw error
    return super.catch(error)
  }
}

/** Said even with --json: the JSON result does not tell that the alert was not delivered. */
const notify = (url: URL | undefined, snapshot: StatusSnapshot, changes: Crossings) => notifyWebhook(url, snapshot, changes, warning)
