/**
 * kafkajs's groupMessagesPerPartition, in linear time: its own copies a partition's array for
 * every message added to it (`[...current, message]`), quadratic in a batch's size per partition.
 * Same grouping, same order (test/.../codec/group-by-partition.test.ts); kq's bundle uses this.
 */
export interface GroupInput<Message> {
  topic: string
  partitionMetadata: unknown[]
  messages: Message[]
  partitioner(input: {topic: string; partitionMetadata: unknown[]; message: Message}): number
}

export function groupMessagesPerPartition<Message>({topic, partitionMetadata, messages, partitioner}: GroupInput<Message>): Record<number, Message[]> {
  const groups: Record<number, Message[]> = {}
  if (partitionMetadata.length === 0) return groups
  for (const message of messages) {
    const partition = partitioner({topic, partitionMetadata, message})
    const group = groups[partition]
    if (group === undefined) groups[partition] = [message]
    else group.push(message)
  }

  return groups
}
