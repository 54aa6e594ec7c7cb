import {NOT_BEFORE_HEADER, delayTopicFor} from '../delay/ladder.js'
import {resolveDelay} from '../delay/parse.js'
import {DelayTopicNotFoundError, TopicNotFoundError} from '../errors.js'
import {type Publisher, type SendOptions} from '../kafka/index.js'
import {type DispatchOptions} from './types.js'

/** Where a job is written, and when it may start. */
export interface Placement {
  /** The queue's topic. */
  queueTopic: string
  /** Where the job is written: the queue topic, or the delay topic where it waits. */
  topic: string
  /** When a delayed job may start (ISO 8601, its `kq-not-before` header); absent when at once. */
  dueAt?: string
  /** The wait asked for, in milliseconds; absent when at once. */
  delayMs?: number
}

/**
 * Where a job goes and when it may start, by the delay asked for counted from now: a job due
 * in a second or more waits on the delay topic of its rung, one due sooner goes to the queue
 * topic; both carry their due time. A job due now is an ordinary dispatch.
 */
export function placement(queueTopic: string, options: DispatchOptions, now = Date.now()): Placement {
  const delayMs = resolveDelay(options, now)
  if (delayMs === 0) return {queueTopic, topic: queueTopic}
  return {queueTopic, topic: delayTopicFor(queueTopic, delayMs) ?? queueTopic, dueAt: new Date(now + delayMs).toISOString(), delayMs}
}

export function notBeforeHeader(placed: Placement): Record<string, string> {
  return placed.dueAt === undefined ? {} : {[NOT_BEFORE_HEADER]: placed.dueAt}
}

/** A job waiting on a delay topic goes to the partition number its key has on the queue topic. */
export function sendOptions(placed: Placement): SendOptions {
  return placed.topic === placed.queueTopic ? {} : {partitionAs: placed.queueTopic}
}

/**
 * The queue topic must exist, and the delay topic a job waits on: a missing one is named with
 * the command that adds it. kq never lets Kafka auto-create a topic with default settings.
 */
export async function assertTopicsExist(publisher: Publisher, placed: Placement): Promise<void> {
  await publisher.assertTopicExists(placed.queueTopic)
  if (placed.topic === placed.queueTopic) return
  try {
    await publisher.assertTopicExists(placed.topic)
  } catch (error) {
    if (error instanceof TopicNotFoundError) throw new DelayTopicNotFoundError(placed.topic, placed.queueTopic)
    throw error
  }
}
