import {Args, Flags} from '@oclif/core'

import {KqCommand} from '../../base-command.js'
import {topicName} from '../../lib/config/values.js'
import {type JobHistory, MAX_RECORDS_PER_TOPIC, findJobHistory} from '../../lib/job-history/index.js'
import {renderJobHistory} from '../../lib/output/job-history.js'
import {brokersFlag} from '../../shared/flags.js'

export default class JobShow extends KqCommand {
  // It looks in queues there are: a --queue that does not exist was mistyped.
  protected override readonly readsQueues = true

  static override summary = 'Show where a job is and its history: dispatch, retries, dead letters, replays.'
  static override description =
    'Kafka keeps no index by job id, so this reads each queue’s topics (queue, retry, delay, dead letters) from the job’s dispatch time, ' +
    'which its id holds, to now, at most --max-records records a topic, and says where it could not look. ' +
    'The same lookup as the dashboard’s Jobs page and GET /api/jobs/:id.'

  static override examples = ['<%= config.bin %> <%= command.id %> 0193a5f0-6c1e-7a2b-9a41-2f1e5c0d9b77', '<%= config.bin %> <%= command.id %> 0193a5f0-6c1e-7a2b-9a41-2f1e5c0d9b77 --queue orders --json']

  static override args = {
    id: Args.string({description: 'Job id, as kq dispatch printed it.', required: true, ignoreStdin: true}),
  }

  static override flags = {
    queue: Flags.string({char: 'q', description: 'Queue whose topics to read. Default: every queue.'}),
    group: Flags.string({char: 'g', description: 'Workers’ consumer group, whose offsets say what was worked (overrides KAFKA_CONSUMER_GROUP).'}),
    'max-records': Flags.integer({description: 'Most records to read on each topic.', default: MAX_RECORDS_PER_TOPIC, min: 1}),
    brokers: brokersFlag,
  }

  async run(): Promise<JobHistory> {
    const {args, flags} = await this.parse(JobShow)
    const queue = flags.queue === undefined ? undefined : topicName({raw: flags.queue, label: 'queue', fromCommandLine: true})
    const config = this.loadConfig(flags)
    this.actingAs('operator', config, [queue ?? config.queue])
    const found = await findJobHistory(config, args.id, {...(queue && {queue}), maxRecordsPerTopic: flags['max-records']})
    this.log(renderJobHistory(found))
    return found
  }
}
