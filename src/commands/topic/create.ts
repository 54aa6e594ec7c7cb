import {Flags} from '@oclif/core'

import {KqCommand} from '../../base-command.js'
import {topicsForQueue} from '../../lib/config/index.js'
import {withTopicAdmin} from '../../lib/kafka/index.js'
import {renderTopicPlan} from '../../lib/output/topics.js'
import {durabilityWarning} from '../../lib/topics/durability.js'
import {type TopicPlanRow, queueTopicSpecs} from '../../lib/topics/plan.js'
import {TopicMismatchError, provisionTopics, startGroupOnNewQueues} from '../../lib/topics/provision.js'
import {warning} from '../../shared/warning.js'
import {brokersFlag, partitionsFlag, replicationFactorFlag, textArgument} from '../../shared/flags.js'

export interface TopicCreateResult {
  topics: TopicPlanRow[]
  /** The workers' group, and the new queue topics it will read from their beginning. */
  group: {name: string; startsAtBeginning: string[]}
}

export default class TopicCreate extends KqCommand {
  static override summary = 'Create a queue topic with its retry, dead-letter and delay topics.'
  static override description =
    'Partitions and replication factor come from .env (KAFKA_PARTITIONS, KAFKA_REPLICATION_FACTOR) unless flags say otherwise. ' +
    'Topics replicated 3 times or more get min.insync.replicas=2 unless KAFKA_MIN_INSYNC_REPLICAS says otherwise. ' +
    'Topics that already exist with the same settings are left alone; ones with other settings are reported, never changed. ' +
    'Run it again on a queue made by an older kq to add the topics it lacks.'

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> orders --partitions 6 --replication-factor 3',
    '<%= config.bin %> <%= command.id %> --json',
  ]

  static override args = {
    topic: textArgument("Queue topic to create. Default: the default queue's topic (KAFKA_TOPIC)."),
  }

  static override flags = {
    brokers: brokersFlag,
    partitions: partitionsFlag,
    'replication-factor': replicationFactorFlag,
    group: Flags.string({char: 'g', description: 'Workers’ consumer group to start at the new topics’ beginning (KAFKA_CONSUMER_GROUP).'}),
  }

  async run(): Promise<TopicCreateResult> {
    const {args, flags} = await this.parse(TopicCreate)
    const topicOverride = args.topic === undefined ? {} : {KAFKA_TOPIC: {value: args.topic, flag: 'the topic argument'}}
    const config = this.loadConfig(flags, topicOverride)
    const wanted = queueTopicSpecs(topicsForQueue(config), config)
    const {topics, group} = await withTopicAdmin(config.kafka, async (admin) => {
      const rows = await provisionTopics(admin, wanted)
      return {topics: rows, group: await startGroupOnNewQueues(admin, config.consumerGroup, rows)}
    })
    this.log(renderTopicPlan(topics))
    if (topics.some((row) => row.status === 'mismatch')) throw new TopicMismatchError(topics)
    for (const row of topics) {
      const message = durabilityWarning(row, config.minInsyncReplicas)
      if (message !== undefined) warning(message)
    }

    if (group.skipped.length > 0) {
      const where = group.skipped.join(', ')
      this.warn(`group ${config.consumerGroup} has running workers, so its offsets on ${where} were left alone: new workers start at their end unless run with --from-beginning`)
    }

    return {topics, group: {name: config.consumerGroup, startsAtBeginning: group.started}}
  }
}
