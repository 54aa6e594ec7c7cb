import os from 'node:os'

import {type KqConfig, topicsForQueue} from '../config/index.js'
import {companionOf} from '../config/topics.js'
import {TopicNotFoundError, UsageError} from '../errors.js'
import {openPublisher, withTopicAdmin} from '../kafka/index.js'
import {type ControlRecord, encodeControl} from './records.js'
import {ensureControlTopic} from './topic.js'

/** What `kq restart`, `kq pause` and `kq continue` asked, and where Kafka stored it. */
export interface ControlReceipt extends ControlRecord {
  controlTopic: string
  offset: number
}

export type ControlRequest = {action: 'restart'} | {action: 'pause' | 'continue'; queue: string}

/**
 * Writes one request to the control topic (made first if missing), acknowledged by every in-sync
 * replica: from then on every worker, on any machine, acts on it at its next poll. A paused or
 * continued queue must exist, so that a typo is refused rather than paused forever unnoticed.
 */
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

  await withTopicAdmin(config.kafka, async (admin) => {
    if (record.topic !== undefined && !(await admin.describeTopics([record.topic])).has(record.topic)) {
      throw new TopicNotFoundError(record.topic)
    }

    await ensureControlTopic(admin, config)
  })
  const publisher = await openPublisher(config.kafka, {sendTimeoutMs: config.sendTimeoutMs})
  try {
    const {offset} = await publisher.send(config.controlTopic, encodeControl(record))
    return {...record, controlTopic: config.controlTopic, offset}
  } finally {
    await publisher.close().catch(() => {})
  }
}
