import {type TopicAdmin, type TopicDescription} from '../kafka/index.js'

export interface TopicSummary extends TopicDescription {
  /** Records currently stored: the sum over partitions of end offset minus start offset. */
  messages: number
}

/** Kafka's own topics (`__consumer_offsets`, ...) are named with two leading underscores. */
export function isInternalTopic(name: string): boolean {
  return name.startsWith('__')
}

export async function summarizeTopics(admin: TopicAdmin, options: {includeInternal?: boolean} = {}): Promise<TopicSummary[]> {
  const names = (await admin.listTopics()).filter((name) => options.includeInternal || !isInternalTopic(name))
  const descriptions = await admin.describeTopics(names)
  const summaries = await Promise.all(
    [...descriptions.values()].map(async (topic) => {
      const offsets = await admin.topicOffsets(topic.name)
      const messages = offsets.reduce((sum, partition) => sum + (partition.high - partition.low), 0)
      return {...topic, messages}
    }),
  )
  return summaries.sort((a, b) => a.name.localeCompare(b.name))
}
