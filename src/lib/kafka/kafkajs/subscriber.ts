import {type Consumer, type ConsumerCrashEvent, type ConsumerRunConfig, type EachBatchPayload, type KafkaMessage} from 'kafkajs'

import {BrokerUnreachableError} from '../../errors.js'
import {type KafkaConnectionConfig} from '../../config/index.js'
import {partitionAssigners} from './assigner.js'
import {connectWithin, createKafka} from './client.js'
import {isCoordinatorPending, translateKafkaError} from './errors.js'
import {
  type IncomingMessage,
  type PartitionPosition,
  type RecordSink,
  type Subscriber,
  type SubscriberEvents,
  type SubscriberOptions,
  type TopicPartition,
} from '../types.js'

function headersOf(message: KafkaMessage): Record<string, string> {
  const headers: Record<string, string> = {}
  const raw = message.headers
  // A loop over keys, not Object.entries: this runs for every record a worker reads.
  for (const name in raw) {
    if (!Object.hasOwn(raw, name)) continue
    const value = raw[name]
    // A header repeated in one record arrives as an array: the last one wins, as in most clients.
    const last = Array.isArray(value) ? value.at(-1) : value
    if (last !== undefined && last !== null) headers[name] = last.toString()
  }

  return headers
}

export function incoming(topic: string, partition: number, message: KafkaMessage): IncomingMessage {
  return {
    topic,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    key: message.key ?? null,
    value: message.value ?? null,
    headers: headersOf(message),
  }
}

export class KafkaSubscriber implements Subscriber {
  private assignment: TopicPartition[] = []
  /**
   * Between a crash and the next join kafkajs has no group to pause or resume, and says so by
   * throwing ("Consumer group was not initialized"): nothing is fetched then, and a rejoin
   * starts from a fresh assignment, so pause and resume have nothing to do.
   */
  private inGroup = false
  /** Whether this member ever joined: it may use the group, so a lost coordinator is not a refusal. */
  private joinedOnce = false
  /** What run() started kafkajs with, to start it again (see restartsItself). */
  private running?: ConsumerRunConfig
  /** Commits Kafka acknowledged, as kafkajs reports them: how commit() knows one was made. */
  private commitsMade = 0

  constructor(
    private readonly consumer: Consumer,
    private readonly brokers: string[],
    /** Shared with the consumer's restart policy: once stopping, a crash must not restart it. */
    private readonly lifecycle: {stopping: boolean},
    /** Named in a refusal: a group's ACL is granted by its name. */
    private readonly groupId: string,
  ) {
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.inGroup = true
      this.joinedOnce = true
    })
    // kafkajs stops its consumer before it reports the crash: the group is gone from then on.
    consumer.on(consumer.events.STOP, () => {
      this.inGroup = false
    })
    consumer.on(consumer.events.CRASH, (event) => {
      this.inGroup = false
      if (this.restartsItself(event)) this.restartSoon()
    })
    consumer.on(consumer.events.COMMIT_OFFSETS, () => {
      this.commitsMade++
    })
  }

  async run(sink: RecordSink): Promise<void> {
    this.running = {
      // kq commits its own watermarks (see Subscriber.commit); kafkajs's resolved offset is
      // only where its next fetch starts.
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({batch, resolveOffset}: EachBatchPayload) => {
        const {topic, partition} = batch
        const ready = sink.ready(topic, partition)
        if (ready) await ready
        const records = batch.messages.map((message) => incoming(topic, partition, message))
        const taken = sink.take({topic, partition, records, end: Number(batch.highWatermark)})
        if (taken > 0) resolveOffset(batch.messages[taken - 1].offset)
        // kafkajs fetches again only once this returns.
        const room = sink.room()
        if (room) await room
      },
    }
    await this.consumer.run(this.running)
  }

  /**
   * Whether a crash kafkajs will not restart from is one this subscriber restarts from itself:
   * Kafka naming no coordinator for a group this member had joined. kafkajs gives up on it
   * (non-retriable), but after a join it means a broker restarting, still loading the group's
   * offsets, not a missing ACL. The worker's --broker-timeout still bounds the wait.
   */
  private restartsItself({payload}: ConsumerCrashEvent): boolean {
    return !payload.restart && !this.lifecycle.stopping && this.joinedOnce && this.running !== undefined && isCoordinatorPending(payload.error)
  }

  private restartSoon(): void {
    setTimeout(async () => {
      if (this.lifecycle.stopping || this.running === undefined) return
      try {
        await this.consumer.connect()
        if (!this.lifecycle.stopping) await this.consumer.run(this.running)
      } catch {
        this.restartSoon()
      }
    }, RESTART_WAIT_MS).unref()
  }

  pause(partitions: TopicPartition[]): void {
    if (partitions.length > 0 && this.inGroup) this.consumer.pause(byTopic(partitions))
  }

  resume(partitions: TopicPartition[]): void {
    if (partitions.length > 0 && this.inGroup) this.consumer.resume(byTopic(partitions))
  }

  assigned(): TopicPartition[] {
    return this.assignment
  }

  async commit(positions: PartitionPosition[]): Promise<void> {
    if (positions.length === 0) return
    const before = this.commitsMade
    try {
      await this.consumer.commitOffsets(
        positions.map(({topic, partition, offset, metadata}) => ({topic, partition, offset: String(offset), metadata: metadata ?? null})),
      )
    } catch (error) {
      throw translateKafkaError(error, {brokers: this.brokers, action: 'committing offsets'})
    }

    // kafkajs resolves a commit it did not make when its consumer is not running (crashed by a
    // lost broker, before it restarts): the worker would take its jobs as committed and go on
    // starting jobs that all run again later. Only an acknowledged commit counts.
    if (this.commitsMade === before) {
      throw new Error('the consumer is not in its group (it rejoins once Kafka answers again): nothing was committed')
    }
  }

  async stop(): Promise<void> {
    this.lifecycle.stopping = true
    this.inGroup = false
    await this.consumer.disconnect()
  }

  on<E extends keyof SubscriberEvents>(event: E, listener: (payload: SubscriberEvents[E]) => void): void {
    const {events} = this.consumer
    switch (event) {
      case 'joined': {
        this.consumer.on(events.GROUP_JOIN, ({payload}) => {
          // A join that was under way when stop() ran completes after it: kafkajs then holds
          // partitions and keeps the process alive with nobody to stop it. Leave again.
          if (this.lifecycle.stopping) {
            void this.consumer.disconnect().catch(() => {})
            return
          }

          this.assignment = Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) =>
            partitions.map((partition) => ({topic, partition})),
          )
          ;(listener as (value: SubscriberEvents['joined']) => void)({assignment: this.assignment})
        })
        break
      }

      case 'crashed': {
        this.consumer.on(events.CRASH, (event) => {
          const {payload} = event
          const restarting = this.restartsItself(event)
          ;(listener as (value: SubscriberEvents['crashed']) => void)({
            error: restarting
              ? new BrokerUnreachableError(this.brokers, 'Kafka named no coordinator for the consumer group, as while a broker restarts', {cause: payload.error})
              : translateKafkaError(payload.error, {brokers: this.brokers, action: `consuming as group ${this.groupId}`}),
            restarting: restarting || payload.restart,
          })
        })
        break
      }

      case 'rebalancing': {
        this.consumer.on(events.REBALANCING, () => {
          ;(listener as (value: SubscriberEvents['rebalancing']) => void)({})
        })
        break
      }
    }
  }
}

/** How long after a crash the subscriber starts its consumer again when kafkajs will not. */
const RESTART_WAIT_MS = 1000

function byTopic(partitions: TopicPartition[]): Array<{topic: string; partitions: number[]}> {
  const topics = new Map<string, number[]>()
  for (const {topic, partition} of partitions) {
    const list = topics.get(topic)
    if (list) list.push(partition)
    else topics.set(topic, [partition])
  }

  return [...topics].map(([topic, list]) => ({topic, partitions: list}))
}

/**
 * Joins the consumer group on the given topics. Nothing is committed but what the caller
 * commits, so a record is never marked done before its job is.
 */
export async function openSubscriber(connection: KafkaConnectionConfig, options: SubscriberOptions): Promise<Subscriber> {
  const client = createKafka(connection)
  const {kafka} = client
  const lifecycle = {stopping: false}
  // What this member holds, offered at each join so that the leader leaves it here (sticky).
  let held: Record<string, number[]> = {}
  const consumer = kafka.consumer({
    groupId: options.groupId,
    // Each member is given only the topics it subscribed to (workers of other queues may share
    // the group), keeping what it held where it can.
    partitionAssigners: partitionAssigners(() => held, options.process),
    sessionTimeout: options.sessionTimeoutMs,
    rebalanceTimeout: options.rebalanceTimeoutMs,
    heartbeatInterval: Math.max(500, Math.floor(options.sessionTimeoutMs / 10)),
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: options.maxWaitMs,
    // A quarter of kafkajs's 1 MB per partition: the worker fetches ahead anyway, and smaller
    // fetches keep fewer records in memory at once (a drain's peak RSS fell by a quarter) at no
    // cost in throughput. A record larger than this still comes whole: Kafka returns at least one.
    maxBytesPerPartition: 256 * 1024,
    // After a lost broker, the consumer restarts until the worker's own deadline gives up, but
    // never once it is stopping: a restart would rejoin the group with nobody left to stop it.
    retry: {retries: 5, initialRetryTime: 300, maxRetryTime: 5000, restartOnFailure: async () => !lifecycle.stopping},
  })
  consumer.on(consumer.events.GROUP_JOIN, ({payload}) => {
    held = payload.memberAssignment
  })
  await connectWithin(
    client,
    connection,
    () => consumer.connect(),
    () => consumer.disconnect(),
  )
  try {
    for (const topic of options.topics) {
      await consumer.subscribe({topics: [topic.name], fromBeginning: topic.start === 'earliest'})
    }
  } catch (error) {
    await consumer.disconnect().catch(() => {})
    throw translateKafkaError(error, {brokers: connection.brokers, action: 'subscribing'})
  }

  return new KafkaSubscriber(consumer, connection.brokers, lifecycle, options.groupId)
}
