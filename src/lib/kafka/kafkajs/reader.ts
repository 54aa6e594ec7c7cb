import {randomBytes} from 'node:crypto'
import {setTimeout as sleep} from 'node:timers/promises'

import {type Admin, type Consumer, type EachBatchPayload} from 'kafkajs'

import {type KafkaConnectionConfig} from '../../config/index.js'
import {KafkaRefusedError, TopicNotFoundError} from '../../errors.js'
import {type KafkaClient, connectWithin, openAdmin} from './client.js'
import {translateKafkaError} from './errors.js'
import {fetchTopicOffsets, fetchTopicOffsetsByTimestamp} from './offsets.js'
import {incoming} from './subscriber.js'
import {
  type CommittedOffset,
  type GroupHold,
  type IncomingMessage,
  type PartitionOffsets,
  type ReadRange,
  type TopicReader,
} from '../types.js'

/**
 * How long Kafka keeps a holder of a group that stopped heartbeating (killed, most often) as a
 * member: short, so that the next command does not wait long after a crash.
 */
export const HOLD_SESSION_TIMEOUT_MS = 10_000

/** A read that sees no batch for this long has stalled: a broker lost mid-read, most often. */
const STALL_TIMEOUT_MS = 30_000

class KafkaTopicReader implements TopicReader {
  constructor(
    private readonly client: KafkaClient,
    private readonly admin: Admin,
    private readonly connection: KafkaConnectionConfig,
  ) {}

  async assertTopicExists(topic: string): Promise<void> {
    const names = await this.call(`looking up topic ${topic}`, () => this.admin.listTopics())
    if (!names.includes(topic)) throw new TopicNotFoundError(topic)
  }

  async topicOffsets(topic: string): Promise<PartitionOffsets[]> {
    const offsets = await this.call(`reading offsets of ${topic}`, () => fetchTopicOffsets(this.admin, topic))
    return offsets
      .map(({partition, low, high}) => ({partition, low: Number(low), high: Number(high)}))
      .sort((a, b) => a.partition - b.partition)
  }

  async offsetsAtTime(topic: string, timestamp: number): Promise<Array<{partition: number; offset: number}>> {
    const offsets = await this.call(`reading offsets of ${topic} by time`, () => fetchTopicOffsetsByTimestamp(this.admin, topic, timestamp))
    return offsets.map(({partition, offset}) => ({partition, offset: Number(offset)})).sort((a, b) => a.partition - b.partition)
  }

  async committed(groupId: string, topic: string): Promise<CommittedOffset[]> {
    const topics = await this.call(`reading offsets of group ${groupId}`, () => this.admin.fetchOffsets({groupId, topics: [topic]}))
    const partitions = topics.find((each) => each.topic === topic)?.partitions ?? []
    return partitions
      .map(({partition, offset, metadata}) => ({partition, offset: Number(offset), metadata: metadata || null}))
      .sort((a, b) => a.partition - b.partition)
  }

  /**
   * kafkajs has no manual assignment, so the read goes through a consumer in a group of its own,
   * named after `groupPrefix` (so prefixed ACLs cover it), that never commits: Kafka forgets
   * such a group as soon as it leaves, and no group that matters sees it.
   */
  async read(topic: string, ranges: ReadRange[], groupPrefix: string, each: (message: IncomingMessage) => void): Promise<void> {
    const wanted = new Map(ranges.filter((range) => range.from < range.to).map((range) => [range.partition, range]))
    if (wanted.size === 0) return
    const groupId = `${groupPrefix}-reader-${process.pid}-${randomBytes(3).toString('hex')}`
    const consumer = this.client.kafka.consumer({
      groupId,
      maxWaitTimeInMs: 100,
      allowAutoTopicCreation: false,
      // A read fails rather than restarting behind the caller's back.
      retry: {retries: 3, initialRetryTime: 250, maxRetryTime: 2000, restartOnFailure: async () => false},
    })
    const reading = readUntilEnd(consumer, topic, wanted, each)
    try {
      await connectWithin(
        this.client,
        this.connection,
        () => consumer.connect(),
        () => consumer.disconnect(),
      )
      await consumer.subscribe({topics: [topic], fromBeginning: true})
      // Each batch resolved (kafkajs's default) so the next fetch goes on from it; never committed.
      await consumer.run({autoCommit: false, eachBatch: reading.eachBatch})
      for (const range of wanted.values()) consumer.seek({topic, partition: range.partition, offset: String(range.from)})
      const idle = ranges.filter((range) => !wanted.has(range.partition)).map((range) => range.partition)
      if (idle.length > 0) consumer.pause([{topic, partitions: idle}])
      await reading.done
    } catch (error) {
      // A join Kafka refuses (a group this login may not use) crashes the consumer within run(),
      // and the seek after it then fails in kafkajs's own words: the crash says what to fix.
      throw translateKafkaError(reading.crash() ?? error, {brokers: this.connection.brokers, action: `reading ${topic}`})
    } finally {
      reading.stop()
      await consumer.disconnect().catch(() => {})
    }
  }

  /**
   * Joins `groupId` as its only member, to commit its offsets with their metadata: Kafka takes
   * commits only from a member of the group (kafkajs's admin.setOffsets joins too, and drops
   * the metadata). The membership is also a lock: a group that still has other members after
   * `waitMs` is left alone, and the answer names them.
   */
  async holdGroup(groupId: string, topic: string, options: {waitMs?: number} = {}): Promise<{held: GroupHold} | {inUseBy: string[]}> {
    // A member that died without leaving stays until its session times out: waiting a little
    // longer than HOLD_SESSION_TIMEOUT_MS tells a crashed holder from a live one.
    const deadline = Date.now() + (options.waitMs ?? 0)
    let before = await this.membersOf(groupId)
    while (before.length > 0 && Date.now() < deadline) {
      await sleep(500)
      before = await this.membersOf(groupId)
    }

    if (before.length > 0) return {inUseBy: before}
    const consumer = this.client.kafka.consumer({
      groupId,
      sessionTimeout: HOLD_SESSION_TIMEOUT_MS,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 100,
      allowAutoTopicCreation: false,
      retry: {retries: 5, initialRetryTime: 250, maxRetryTime: 2000, restartOnFailure: async () => false},
    })
    const action = `joining group ${groupId}`
    // A crashed consumer is no longer a member, and kafkajs then skips commits without a word.
    let crash: unknown
    try {
      await connectWithin(
        this.client,
        this.connection,
        () => consumer.connect(),
        () => consumer.disconnect(),
      )
      const joined = new Promise<void>((resolve, reject) => {
        consumer.on(consumer.events.GROUP_JOIN, () => resolve())
        consumer.on(consumer.events.CRASH, ({payload}) => {
          crash = payload.error
          reject(payload.error)
        })
      })
      // A crash while run() is still joining rejects before anyone awaits this.
      joined.catch(() => {})
      await consumer.subscribe({topics: [topic], fromBeginning: true})
      await consumer.run({autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => {}})
      // Nothing to read here: the records come from read(). Paused, it still heartbeats.
      consumer.pause([{topic}])
      await joined
      // Two joined at once: both leave, and each caller is told.
      const {members} = await consumer.describeGroup()
      if (members.length > 1) {
        await consumer.disconnect().catch(() => {})
        return {inUseBy: members.map((member) => describeMember(member))}
      }
    } catch (error) {
      await consumer.disconnect().catch(() => {})
      throw translateKafkaError(error, {brokers: this.connection.brokers, action})
    }

    const held: GroupHold = {
      commit: async (offsets) => {
        if (offsets.length === 0) return
        if (crash !== undefined) throw translateKafkaError(crash, {brokers: this.connection.brokers, action: `committing offsets of group ${groupId}`})
        try {
          await consumer.commitOffsets(
            offsets.map(({partition, offset, metadata}) => ({topic, partition, offset: String(offset), metadata})),
          )
        } catch (error) {
          throw translateKafkaError(error, {brokers: this.connection.brokers, action: `committing offsets of group ${groupId}`})
        }
      },
      release: async () => {
        await consumer.disconnect().catch(() => {})
      },
    }
    return {held}
  }

  async close(): Promise<void> {
    await this.admin.disconnect()
  }

  private async membersOf(groupId: string): Promise<string[]> {
    const {groups} = await this.call(`describing group ${groupId}`, () => this.admin.describeGroups([groupId]))
    return (groups.find((group) => group.groupId === groupId)?.members ?? []).map((member) => describeMember(member))
  }

  private async call<T>(action: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request()
    } catch (error) {
      throw translateKafkaError(error, {brokers: this.connection.brokers, action})
    }
  }
}

function describeMember(member: {clientId: string; clientHost: string}): string {
  return `${member.clientId} at ${member.clientHost.replace(/^\//, '')}`
}

/**
 * Hands each record of the wanted ranges to `each`, once, in offset order per partition, and
 * settles `done` when every partition has been read to its range's end (or the read fails or
 * stalls). The end is told from kafkajs's end-of-batch event, which also reports batches that
 * held only records the client filters out, such as transaction markers.
 */
function readUntilEnd(
  consumer: Consumer,
  topic: string,
  wanted: Map<number, ReadRange>,
  each: (message: IncomingMessage) => void,
) {
  const remaining = new Map(wanted)
  const next = new Map([...wanted.values()].map((range) => [range.partition, range.from]))
  let settle!: (error?: unknown) => void
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => (error === undefined ? resolve() : reject(error))
  })
  // It may fail (a crash while joining) before the caller gets to await it.
  done.catch(() => {})
  let timer: NodeJS.Timeout | undefined
  const armStallTimer = () => {
    clearTimeout(timer)
    timer = setTimeout(() => settle(new KafkaRefusedError(`reading ${topic} made no progress for ${STALL_TIMEOUT_MS / 1000}s: check the brokers' health`)), STALL_TIMEOUT_MS)
  }

  armStallTimer()
  consumer.on(consumer.events.END_BATCH_PROCESS, ({payload}) => {
    if (payload.topic !== topic) return
    armStallTimer()
    const range = remaining.get(payload.partition)
    if (range && Number(payload.lastOffset) >= range.to - 1) {
      remaining.delete(payload.partition)
      if (remaining.size === 0) settle()
    }
  })
  let crash: unknown
  consumer.on(consumer.events.CRASH, ({payload}) => {
    crash = payload.error
    settle(payload.error)
  })
  return {
    done,
    crash: () => crash,
    stop: () => clearTimeout(timer),
    eachBatch: async ({batch}: EachBatchPayload) => {
      const range = wanted.get(batch.partition)
      if (!range) return
      for (const message of batch.messages) {
        const offset = Number(message.offset)
        // A fetch made before the seek took effect, or one that went past the end: skip what
        // was handed on already or lies outside the range.
        if (offset < (next.get(batch.partition) ?? range.to) || offset >= range.to) continue
        next.set(batch.partition, offset + 1)
        each(incoming(topic, batch.partition, message))
      }
    },
  }
}

export async function openTopicReader(connection: KafkaConnectionConfig): Promise<TopicReader> {
  const {client, admin} = await openAdmin(connection)
  return new KafkaTopicReader(client, admin, connection)
}
