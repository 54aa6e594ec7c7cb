import os from 'node:os'

import {type KqConfig, topicsForQueue} from '../config/index.js'
import {companionOf} from '../config/topics.js'
import {AuthorizationError, TopicNotFoundError, UsageError} from '../errors.js'
import {openPublisher, withTopicAdmin} from '../kafka/index.js'
import {type ControlRecord, encodeControl} from './records.js'
import {controlReaderGroup} from './groups.js'
import {ensureControlTopic, readPausedQueues} from './topic.js'

/** What `kq restart`, `kq pause` and `kq continue` asked, and where Kafka stored it. */
export interface WrittenControl extends ControlRecord {
  controlTopic: string
  offset: number
  written: true
}

/** A pause of a paused queue, or a continue of one that runs: nothing is written. */
export interface UnchangedControl {
  action: 'pause' | 'continue'
  queue: string
  topic: string
  controlTopic: string
  written: false
  /** pause: the pause in force, who asked it and when. */
  paused?: {at: string; by: string}
}

export type ControlReceipt = WrittenControl | UnchangedControl

export type ControlRequest = {action: 'restart'} | {action: 'pause' | 'continue'; queue: string}

/**
 * Writes one request to the control topic (made first if missing), acknowledged by every in-sync
 * replica: from then on every worker, on any machine, acts on it at its next poll. A paused or
 * continued queue must exist, so that a typo is refused rather than paused forever unnoticed; a
 * pause of a paused queue, or a continue of one that is not, writes nothing and says so.
 */
export async function sendControl(config: KqConfig, request: {action: 'restart'}): Promise<WrittenControl>
export async function sendControl(config: KqConfig, request: ControlRequest): Promise<ControlReceipt>
export async function sendControl(config: KqConfig, request: ControlRequest): Promise<ControlReceipt> {
  const record: ControlRecord = {action: request.action, at: new Date().toISOString(), by: `${os.hostname()}:${process.pid}`}
  if (request.action !== 'restart') {
    record.queue = request.queue
    record.topic = topicsForQueue(config, request.queue).topic
    const companion = companionOf(record.topic)
    if (companion !== undefined) {
      throw new UsageError(
        `${record.topic} is the ${companion.role} topic of queue ${companion.queueTopic}, not a queue: \`kq ${request.action} ${companion.queueTopic}\` ${request.action === 'pause' ? 'pauses' : 'continues'} all its topics`,
      )
    }
  }

  // One admin connection: the queue checked, the change checked, the control topic made.
  const unchanged = await withTopicAdmin(config.kafka, async (admin): Promise<UnchangedControl | undefined> => {
    if (request.action !== 'restart') {
      const topic = record.topic!
      if (!(await admin.describeTopics([topic])).has(topic)) throw new TopicNotFoundError(topic)
      // A second pause would only replace who paused it and when; a continue of a running queue
      // would be a record no worker acts on. Read as `kq status` reads which queues are paused.
      const paused = await readPausedOrUnknown(config)
      const pause = paused?.get(topic)
      if (paused !== undefined && (pause !== undefined) === (request.action === 'pause')) {
        return {action: request.action, queue: request.queue, topic, controlTopic: config.controlTopic, written: false, ...(pause && {paused: {at: pause.at, by: pause.by}})}
      }
    }

    await ensureControlTopic(admin, config)
    return undefined
  })
  if (unchanged !== undefined) return unchanged
  const publisher = await openPublisher(config.kafka, {sendTimeoutMs: config.sendTimeoutMs})
  try {
    const {offset} = await publisher.send(config.controlTopic, encodeControl(record))
    return {...record, controlTopic: config.controlTopic, offset, written: true}
  } finally {
    await publisher.close().catch(() => {})
  }
}

/**
 * The paused queues, or undefined when this principal may not read them: the reader's group is
 * named after KAFKA_CONSUMER_GROUP, which an operator granted for its workers' group under
 * another name need not have set, and the write it checks for needs only the control topic.
 */
async function readPausedOrUnknown(config: KqConfig): Promise<Map<string, ControlRecord> | undefined> {
  try {
    return await readPausedQueues(config.kafka, config.controlTopic, controlReaderGroup(config.consumerGroup))
  } catch (error) {
    if (error instanceof AuthorizationError) return undefined
    throw error
  }
}
