import {Flags} from '@oclif/core'

import {KqCommand} from '../base-command.js'
import {type Role} from '../lib/acl/roles.js'
import {type KqConfig} from '../lib/config/index.js'
import {DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE} from '../lib/dispatch/batch-size.js'
import {type DispatchReceipt, Dispatcher} from '../lib/dispatch/index.js'
import {UsageError} from '../lib/errors.js'
import {type BulkReceipt, prepareDispatch, sendBulkJobs, sendOneJob} from '../shared/dispatch-steps.js'
import {brokersFlag, jobsDirFlag, textArgument} from '../shared/flags.js'

export type DispatchResult = DispatchReceipt | BulkReceipt

export default class Dispatch extends KqCommand {
  static override summary = 'Send a job to its queue.'
  static override description =
    'The payload is JSON: the argument, a file (--file), stdin (-), or one job per line of an NDJSON file (--ndjson). ' +
    'Everything is checked before anything is sent; the queue topic must exist (kq topic:create). ' +
    'With --delay or --at, the job starts no earlier than its due time. ' +
    'On a terminal, a missing job or payload is asked for.'

  static override examples = [
    `<%= config.bin %> <%= command.id %> ExampleKafkaJob '{"data":"x"}'`,
    `<%= config.bin %> <%= command.id %> SendEmail --file email.json --key user-42 --header trace=abc`,
    `echo '{"data":"x"}' | <%= config.bin %> <%= command.id %> ExampleKafkaJob -`,
    '<%= config.bin %> <%= command.id %> SendEmail --ndjson emails.ndjson --key-field userId',
    `<%= config.bin %> <%= command.id %> SendReminder '{"userId":42}' --delay 10m`,
    `<%= config.bin %> <%= command.id %> SendReport '{}' --at 2026-12-01T09:00:00Z`,
  ]

  static override args = {
    job: textArgument('Job class name, as in the jobs folder.'),
    payload: textArgument('JSON payload, or - to read it from stdin.'),
  }

  static override flags = {
    file: Flags.string({char: 'f', description: 'Read the payload from this JSON file.', exclusive: ['ndjson']}),
    ndjson: Flags.string({description: 'Dispatch one job per line of this NDJSON file (- for stdin).'}),
    key: Flags.string({char: 'k', description: 'Message key: jobs with one key keep their order.'}),
    'key-field': Flags.string({
      description: "With --ndjson: take each job's key from this field of its payload.",
      dependsOn: ['ndjson'],
      exclusive: ['key'],
    }),
    header: Flags.string({char: 'H', description: 'Kafka header name=value (repeatable).', multiple: true}),
    queue: Flags.string({char: 'q', description: "Queue to send to. Default: the job's queue, else KAFKA_QUEUE."}),
    // Not oclif's `exclusive`: its refusal of both takes two lines; parseDelayFlags says it in one.
    delay: Flags.string({description: 'Start no earlier than this long from now: seconds (90, 1.5) or 500ms, 30s, 10m, 2h, 1d, 1h30m; at most 90d.'}),
    at: Flags.string({description: 'Start no earlier than this ISO-8601 time, with its timezone: 2026-12-01T09:00:00Z.'}),
    'batch-size': Flags.integer({description: 'With --ndjson: jobs per send.', default: DEFAULT_BATCH_SIZE, min: 1, max: MAX_BATCH_SIZE}),
    brokers: brokersFlag,
    'jobs-dir': jobsDirFlag,
  }

  async run(): Promise<DispatchResult> {
    const {args, flags} = await this.parse(Dispatch)
    if (flags.ndjson !== undefined && args.payload !== undefined) {
      throw new UsageError('give the jobs either as a payload argument or with --ndjson, not both')
    }

    const prepared = await prepareDispatch(args.job, flags, this)
    const dispatcher = new Dispatcher(prepared.config)
    try {
      if (flags.ndjson === undefined) return await sendOneJob(prepared, dispatcher, {payload: args.payload, file: flags.file}, this)
      return await sendBulkJobs(prepared, dispatcher, {...flags, ndjson: flags.ndjson}, this)
    } finally {
      await dispatcher.close()
    }
  }

  // Public for the dispatch steps (DispatchConsole), which the path without oclif shares.
  override loadConfig(flags: Record<string, unknown>): KqConfig {
    return super.loadConfig(flags)
  }

  override actingAs(role: Role, config: KqConfig, queues: string[]): void {
    super.actingAs(role, config, queues)
  }
}
