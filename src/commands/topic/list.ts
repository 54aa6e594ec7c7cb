import {Flags} from '@oclif/core'

import {KqCommand} from '../../base-command.js'
import {withTopicAdmin} from '../../lib/kafka/index.js'
import {renderTable} from '../../lib/output/table.js'
import {type TopicSummary, summarizeTopics} from '../../lib/topics/list.js'
import {brokersFlag} from '../../shared/flags.js'

export interface TopicListResult {
  topics: TopicSummary[]
}

/** The count, and what it leaves out: a partition whose replicas are all down has no count. */
function messagesCell(topic: TopicSummary): string | number {
  const down = topic.partitionsWithoutLeader
  if (down.length === 0) return topic.messages
  return `${topic.messages} + ? (no leader for partition${down.length > 1 ? 's' : ''} ${down.join(', ')}: its brokers are down)`
}

export default class TopicList extends KqCommand {
  static override summary = 'List topics with their role in a queue, partitions, replication, min.insync.replicas and message counts.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --all --json']

  static override flags = {
    brokers: brokersFlag,
    all: Flags.boolean({description: "Include Kafka's internal topics (__consumer_offsets, ...)."}),
  }

  async run(): Promise<TopicListResult> {
    const {flags} = await this.parse(TopicList)
    const config = this.loadConfig(flags)
    const topics = await withTopicAdmin(config.kafka, (admin) => summarizeTopics(admin, {includeInternal: flags.all}))
    this.log(
      topics.length === 0
        ? 'No topics yet: create the default queue with `kq topic:create`.'
        : renderTable(
            ['Topic', 'Role', 'Partitions', 'Replication', 'Min in sync', 'Messages'],
            topics.map((topic) => [topic.name, topic.role ?? '', topic.partitions, topic.replicationFactor, topic.minInsyncReplicas ?? '?', messagesCell(topic)]),
          ),
    )
    return {topics}
  }
}
