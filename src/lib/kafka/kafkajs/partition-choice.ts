import kafkajs, {type ITopicMetadata, type Message, type PartitionMetadata} from 'kafkajs'

import {KafkaRefusedError} from '../../errors.js'
import {type SendOptions} from '../types.js'

/** A topic's partition list, read at `at`; `read` once the read has succeeded. */
interface CachedPartitions {
  at: number
  list: Promise<PartitionMetadata[]>
  read?: PartitionMetadata[]
}

/** How long a topic's partition list is trusted before it is read again. */
const METADATA_TTL_MS = 60_000

/**
 * Which partition a message goes to, by kafkajs's own (Java-compatible) partitioner, chosen
 * before it is sent so that its offset can be told from the reply. Partition lists are kept for
 * a minute, read with `readPartitions` when missing or stale.
 */
export class PartitionChoice {
  private readonly partitioner = kafkajs.Partitioners.DefaultPartitioner()
  private readonly partitions = new Map<string, CachedPartitions>()

  constructor(private readonly readPartitions: (topic: string) => Promise<PartitionMetadata[]>) {}

  /** Keeps the partitions of a topic list just read, for the next sends. */
  learn(topics: ITopicMetadata[]): void {
    const at = Date.now()
    for (const {name, partitions} of topics) this.partitions.set(name, {at, list: Promise.resolve(partitions), read: partitions})
  }

  /** The partition, on `partitionAs`'s partitions when given. */
  async choose(topic: string, message: Message, options: SendOptions): Promise<number> {
    return this.choosing(topic, await this.partitionsFor(topic, options), options)(message)
  }

  /**
   * choose()'s answer when the partition list it needs was read and is still fresh, without a
   * wait; undefined otherwise (and for partitionAs, whose counts choose() checks).
   */
  known(topic: string, message: Message, options: SendOptions): number | undefined {
    if (options.partitionAs !== undefined) return undefined
    const cached = this.partitions.get(topic)
    if (cached?.read === undefined || Date.now() - cached.at >= METADATA_TTL_MS) return undefined
    return this.partitioner({topic, partitionMetadata: cached.read, message})
  }

  /** A chooser for many messages to one topic, its partition list read once. */
  async forBatch(topic: string, options: SendOptions): Promise<(message: Message) => number> {
    return this.choosing(topic, await this.partitionsFor(topic, options), options)
  }

  private choosing(topic: string, partitionMetadata: PartitionMetadata[], options: SendOptions): (message: Message) => number {
    const like = options.partitionAs ?? topic
    return (message) => this.partitioner({topic: like, partitionMetadata, message})
  }

  /** The partitions to choose among: the topic's, or `partitionAs`'s when given (same count). */
  private async partitionsFor(topic: string, options: SendOptions): Promise<PartitionMetadata[]> {
    const like = options.partitionAs ?? topic
    const partitionMetadata = await this.partitionsOf(like)
    if (like !== topic) {
      const count = (await this.partitionsOf(topic)).length
      if (count !== partitionMetadata.length) {
        throw new KafkaRefusedError(
          `topic ${topic} has ${count} partition(s) and ${like} has ${partitionMetadata.length}: all of a queue's topics need the same count, ` +
            `or keyed jobs wait on another partition than their key's; give ${topic} ${partitionMetadata.length} (kafka-topics.sh --alter), or delete it and run \`kq topic:create ${like}\``,
        )
      }
    }

    return partitionMetadata
  }

  private partitionsOf(topic: string): Promise<PartitionMetadata[]> {
    const cached = this.partitions.get(topic)
    if (cached && Date.now() - cached.at < METADATA_TTL_MS) return cached.list
    const entry: CachedPartitions = {at: Date.now(), list: this.readPartitions(topic)}
    this.partitions.set(topic, entry)
    entry.list.then(
      (partitions) => {
        entry.read = partitions
      },
      () => this.partitions.delete(topic),
    )
    return entry.list
  }
}
