import {type Message, type Producer, type RecordMetadata} from 'kafkajs'

import {KafkaRefusedError} from '../../errors.js'

/** Messages for one topic, each with the partition it must go to. */
export interface PartitionedMessages {
  topic: string
  messages: Array<Message & {partition: number}>
}

/** How often the partitions kafkajs left out are sent again before the send fails. */
const MAX_ROUNDS = 5

/**
 * Sends with acks=all and resolves only once Kafka has acknowledged every partition written to.
 *
 * kafkajs 2.2.4 retries a failed request only to the brokers that have not answered yet: when a
 * partition's leader dies and its leadership moves to a broker that already took the rest of
 * the request, that partition's messages are never sent, and the send resolves as if they had
 * been (seen in the fault suite: 4-7 of 1,500 jobs dispatched with exit 0 while a leader was
 * killed were not on the topic). The reply lists every partition written, so any partition
 * missing from it is sent again; the idempotent producer drops a copy that did arrive.
 */
export async function sendEveryPartition(producer: Producer, topicMessages: PartitionedMessages[]): Promise<RecordMetadata[]> {
  const records: RecordMetadata[] = []
  let pending = topicMessages
  for (let round = 1; ; round++) {
    const answered = await producer.sendBatch({acks: -1, topicMessages: pending})
    records.push(...answered)
    pending = unanswered(pending, answered)
    if (pending.length === 0) return records
    if (round === MAX_ROUNDS) {
      const left = pending.map(({topic, messages}) => `${topic}[${[...new Set(messages.map((each) => each.partition))].join(',')}]`)
      throw new KafkaRefusedError(
        `Kafka acknowledged the send without ${left.join(', ')} after ${MAX_ROUNDS} tries (their leaders kept moving): ` +
          'check the cluster with kq status, and look for those jobs before sending them again',
      )
    }
  }
}

/** The messages of every partition the reply does not list. */
export function unanswered(sent: PartitionedMessages[], answered: RecordMetadata[]): PartitionedMessages[] {
  const written = new Set(answered.map((record) => `${record.topicName}:${record.partition}`))
  const left: PartitionedMessages[] = []
  for (const {topic, messages} of sent) {
    const missing = messages.filter((message) => !written.has(`${topic}:${message.partition}`))
    if (missing.length > 0) left.push({topic, messages: missing})
  }

  return left
}
