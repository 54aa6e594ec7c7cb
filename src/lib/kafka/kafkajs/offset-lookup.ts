import {setTimeout as sleep} from 'node:timers/promises'

import {type Assigner, type Broker, type Cluster, type Consumer, type Kafka} from 'kafkajs'

import {type CommittedOffset, type PartitionOffsets, type TopicsOffsets} from '../types.js'
import {isTopicRefusal, isUnknownTopic} from './errors.js'
import {lostPartitionsError} from './offsets.js'

/**
 * Start and end offsets and groups' committed offsets of many topics, in one metadata request and
 * then one request per leader broker (per group, one to its coordinator). kafkajs's admin asks one topic at
 * a time, and each topic new to it makes it fetch again the metadata of every topic it has seen:
 * with hundreds of topics, `kq topic:list` spent seconds on metadata alone.
 *
 * The requests go through a kafkajs Cluster of their own, as kafkajs hands one to a consumer's
 * partition assigners (its public `Cluster` type): the consumer is only connected, never run, so
 * it joins no group. A cluster of its own also keeps the metadata of exactly these topics, which
 * no concurrent request of the admin can replace under it.
 */
export class OffsetLookup {
  /** The partitions of each wanted topic that exists, in the order asked. */
  readonly partitions = new Map<string, number[]>()
  /** Those of them that no broker leads now, by topic: their offsets are not asked for. */
  readonly leaderless = new Map<string, number[]>()

  constructor(private readonly cluster: Cluster) {}

  /**
   * Loads the metadata of the wanted topics. Those Kafka does not list are left out (deleted since
   * the caller listed them), after a few tries: on a cluster of several brokers, the one asked may
   * not have heard yet of a topic just created.
   */
  async load(names: string[], tries = 4): Promise<void> {
    let wanted = [...new Set(names)]
    for (let attempt = 1; ; attempt++) {
      try {
        await this.cluster.addMultipleTargetTopics(wanted)
        break
      } catch (error) {
        if (!isTopicRefusal(error)) throw error
        // kafkajs fails the whole request for one missing topic: ask which are listed.
        const listed = new Set((await this.cluster.metadata()).topicMetadata.map(({topic}) => topic))
        const found = wanted.filter((name) => listed.has(name))
        if (found.length === wanted.length) throw error
        if (attempt >= tries) wanted = found
        else await sleep(100 * 2 ** (attempt - 1))
      }
    }

    for (const topic of wanted) {
      const metadata = this.cluster.findTopicPartitionMetadata(topic)
      if (metadata.length === 0) throw new LostTopicError(topic)
      this.partitions.set(topic, metadata.map(({partitionId}) => partitionId).sort((a, b) => a - b))
      // A partition whose every replica is down has leader -1 (see metadata-parse.ts): it has no
      // offsets to give.
      const leaderless = metadata.filter(({leader}) => leader < 0).map(({partitionId}) => partitionId)
      if (leaderless.length > 0) this.leaderless.set(topic, leaderless.sort((a, b) => a - b))
    }
  }

  /** The groups' committed offsets, then the end offsets: see TopicAdmin.offsetsOfTopics. */
  async read(groups: string[]): Promise<TopicsOffsets> {
    const committed = new Map(await Promise.all(groups.map(async (group) => [group, await this.committed(group)] as const)))
    return {ends: await this.endOffsets(), committed, leaderless: this.leaderless}
  }

  /**
   * The start and end offsets of every partition asked about but those without a leader, which
   * kafkajs's offsets reads leave out (leaderless-offsets.ts).
   */
  async endOffsets(): Promise<Map<string, PartitionOffsets[]>> {
    const found = new Map<string, PartitionOffsets[]>()
    if (this.partitions.size === 0) return found
    const ask = async (fromBeginning: boolean) => {
      const topics = [...this.partitions].map(([topic, ids]) => ({topic, fromBeginning, partitions: ids.map((partition) => ({partition}))}))
      const answer = await this.cluster.fetchTopicsOffset(topics)
      return new Map(answer.map(({topic, partitions}) => [topic, new Map(partitions.map(({partition, offset}) => [partition, Number(offset)]))]))
    }

    const [high, low] = await Promise.all([ask(false), ask(true)])
    for (const [topic, ids] of this.partitions) {
      const leaderless = this.leaderless.get(topic) ?? []
      const led = ids.filter((partition) => !leaderless.includes(partition))
      found.set(topic, led.map((partition) => ({partition, low: low.get(topic)?.get(partition) ?? 0, high: high.get(topic)?.get(partition) ?? 0})))
    }

    return found
  }

  async committed(groupId: string): Promise<Map<string, CommittedOffset[]>> {
    const found = new Map<string, CommittedOffset[]>()
    if (this.partitions.size === 0) return found
    const coordinator = await this.cluster.findGroupCoordinator({groupId})
    // kafkajs's type wants an offset beside each partition; the request sends the partitions only.
    const topics = [...this.partitions].map(([topic, ids]) => ({topic, partitions: ids.map((partition) => ({partition}))}))
    const {responses} = await coordinator.offsetFetch({groupId, topics: topics as OffsetFetchTopics})
    for (const {topic, partitions} of responses) {
      found.set(
        topic,
        (partitions as Array<{partition: number; offset: string; metadata?: string | null}>)
          .map(({partition, offset, metadata}) => ({partition, offset: Number(offset), metadata: metadata || null}))
          .sort((a, b) => a.partition - b.partition),
      )
    }

    return found
  }
}

type OffsetFetchTopics = Parameters<Broker['offsetFetch']>[0]['topics']

/** kafkajs's metadata lacked a topic it had just been asked for: a new lookup asks again. */
class LostTopicError extends Error {
  constructor(readonly topic: string) {
    super(`the metadata of ${topic} came back without its partitions`)
  }
}

/** Never asked to assign: the consumer that carries it is never run. */
const unusedAssigner: Assigner = {
  name: 'kq-offset-lookup',
  version: 0,
  assign: async () => [],
  protocol: () => ({name: 'kq-offset-lookup', metadata: Buffer.alloc(0)}),
}

async function openLookup(kafka: Kafka): Promise<{lookup: OffsetLookup; consumer: Consumer}> {
  let cluster: Cluster | undefined
  const consumer = kafka.consumer({
    groupId: 'kq-offset-lookup',
    allowAutoTopicCreation: false,
    // The admin's offsets are the high watermark (it sets no isolation level): so are these.
    readUncommitted: true,
    partitionAssigners: [
      (given) => {
        cluster = given.cluster
        return unusedAssigner
      },
    ],
  })
  if (cluster === undefined) throw new Error('kafkajs created a consumer without handing its cluster to the partition assigners')
  try {
    await consumer.connect()
  } catch (error) {
    await consumer.disconnect().catch(() => {})
    throw error
  }

  return {lookup: new OffsetLookup(cluster), consumer}
}

/**
 * Runs `use` on a lookup of the topics of `names` that exist. A topic deleted once its metadata
 * was read fails the requests about every topic, and kafkajs cannot be told to forget it: the
 * whole lookup starts again with a new cluster, which leaves the topic out.
 */
export async function withOffsetLookup<T>(kafka: Kafka, names: string[], use: (lookup: OffsetLookup) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const {lookup, consumer} = await openLookup(kafka)
    try {
      await lookup.load(names)
      return await use(lookup)
    } catch (error) {
      const again = isUnknownTopic(error) || error instanceof LostTopicError
      if (!again) throw error
      if (attempt >= attempts) {
        throw error instanceof LostTopicError ? lostPartitionsError(error.topic, attempts, error) : error
      }
    } finally {
      await consumer.disconnect().catch(() => {})
    }

    await sleep(100 * attempt)
  }
}
