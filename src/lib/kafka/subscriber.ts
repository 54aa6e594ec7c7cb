import {type Consumer, type EachBatchPayload, type KafkaMessage} from 'kafkajs'

import {type KafkaConnectionConfig} from '../config/index.js'
import {partitionAssigners} from './assigner.js'
import {connectWithin, createKafka} from './client.js'
import {translateKafkaError} from './errors.js'
import {
  type IncomingMessage,
  type PartitionBatch,
  type Subscriber,
  type SubscriberEvents,
  type SubscriberOptions,
  type TopicPartition,
} from './types.js'

function headersOf(message: KafkaMessage): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(message.headers ?? {})) {
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
    offset: message.offset,
    timestamp: message.timestamp,
    key: message.key ?? null,
    value: message.value ?? null,
    headers: headersOf(message),
  }
}

class KafkaSubscriber implements Subscriber {
  private assignment: TopicPartition[] = []
  /** The interval commit under way, if any: one at a time, and awaited before leaving. */
  private committing?: Promise<void>
  private lastCommitCheck = 0

  constructor(
    private readonly consumer: Consumer,
    private readonly options: SubscriberOptions,
    private readonly brokers: string[],
    /** Shared with the consumer's restart policy: once stopping, a crash must not restart it. */
    private readonly lifecycle: {stopping: boolean},
  ) {}

  async run(handler: (batch: PartitionBatch) => Promise<void>): Promise<void> {
    await this.consumer.run({
      autoCommit: true,
      autoCommitInterval: this.options.commitIntervalMs,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrently,
      eachBatch: async (payload: EachBatchPayload) => handler(this.toBatch(payload)),
    })
  }

  assigned(): TopicPartition[] {
    return this.assignment
  }

  async commit(offsets: Array<TopicPartition & {offset: string}>): Promise<void> {
    if (offsets.length === 0) return
    try {
      await this.consumer.commitOffsets(offsets)
    } catch (error) {
      throw translateKafkaError(error, {brokers: this.brokers, action: 'committing offsets'})
    }
  }

  async stop(): Promise<void> {
    this.lifecycle.stopping = true
    await this.committing
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
        this.consumer.on(events.CRASH, ({payload}) => {
          ;(listener as (value: SubscriberEvents['crashed']) => void)({
            error: translateKafkaError(payload.error, {brokers: this.brokers, action: 'consuming'}),
            restarting: payload.restart,
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

  /**
   * kafkajs auto-commits only between batches, and one batch can hold a partition's whole
   * backlog: without this, a worker killed in the middle of it would have committed nothing
   * and run all of it again. A failed commit is left to the next one; nothing is lost by it.
   */
  private commitIfDue(payload: EachBatchPayload): void {
    // Asked at most every 100 ms: kafkajs checks the interval itself, but the asking costs a
    // promise, and a no-op job resolves thousands of offsets a second.
    const now = Date.now()
    if (this.committing || now - this.lastCommitCheck < 100) return
    this.lastCommitCheck = now
    this.committing = payload
      .commitOffsetsIfNecessary()
      .catch(() => {})
      .finally(() => {
        this.committing = undefined
      })
  }

  private toBatch(payload: EachBatchPayload): PartitionBatch {
    const {batch} = payload
    return {
      topic: batch.topic,
      partition: batch.partition,
      highWatermark: batch.highWatermark,
      messages: batch.messages.map((message) => incoming(batch.topic, batch.partition, message)),
      resolveOffset: (offset) => {
        payload.resolveOffset(offset)
        this.commitIfDue(payload)
      },
      heartbeat: () => payload.heartbeat(),
      pause: () => payload.pause(),
      commitResolved: async (offset) => {
        await payload.commitOffsetsIfNecessary({
          topics: [{topic: batch.topic, partitions: [{partition: batch.partition, offset}]}],
        })
      },
      isActive: () => payload.isRunning() && !payload.isStale(),
    }
  }
}

/**
 * Joins the consumer group on the given topics. Offsets are committed on an interval and only
 * for messages the caller resolved, so a message is never marked done before its job is.
 */
export async function openSubscriber(connection: KafkaConnectionConfig, options: SubscriberOptions): Promise<Subscriber> {
  const kafka = createKafka(connection)
  const lifecycle = {stopping: false}
  const consumer = kafka.consumer({
    groupId: options.groupId,
    // Each member is given only the topics it subscribed to: workers of other queues may share the group.
    partitionAssigners,
    sessionTimeout: options.sessionTimeoutMs,
    rebalanceTimeout: options.rebalanceTimeoutMs,
    heartbeatInterval: Math.max(500, Math.floor(options.sessionTimeoutMs / 10)),
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: options.maxWaitMs,
    // After a lost broker, the consumer restarts until the worker's own deadline gives up, but
    // never once it is stopping: a restart would rejoin the group with nobody left to stop it.
    retry: {retries: 5, initialRetryTime: 300, maxRetryTime: 5000, restartOnFailure: async () => !lifecycle.stopping},
  })
  await connectWithin(
    connection,
    () => consumer.connect(),
    () => consumer.disconnect(),
  )
  try {
    for (const topic of options.topics) {
      await consumer.subscribe({topics: [topic.name], fromBeginning: topic.fromBeginning})
    }
  } catch (error) {
    await consumer.disconnect().catch(() => {})
    throw translateKafkaError(error, {brokers: connection.brokers, action: 'subscribing'})
  }

  return new KafkaSubscriber(consumer, options, connection.brokers, lifecycle)
}
