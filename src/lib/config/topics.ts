/**
 * How a queue name maps to Kafka topics. One rule, used by every command and by the worker:
 *
 * - a queue's topic is the queue's own name; only the default queue (KAFKA_QUEUE) may be given
 *   another topic name, with KAFKA_TOPIC;
 * - its retry topic is `<topic>-retry`, where failed attempts wait for their next try;
 * - its dead-letter topic is `<topic>-dlt`, where jobs go after their last try;
 * - its delay topics are `<topic>-delay-1s` ... `<topic>-delay-1d`, the rungs of the delay ladder
 *   where delayed jobs and retries with a backoff wait (see lib/delay/ladder.ts).
 *
 * Hyphens, not dots: Kafka warns that names differing only in '.' and '_' collide in its metrics.
 */
import {DELAY_SUFFIX, RUNGS, delayTopicsOf} from '../delay/ladder.js'

export const RETRY_SUFFIX = '-retry'
export const DEAD_LETTER_SUFFIX = '-dlt'

export interface QueueTopics {
  queue: string
  topic: string
  retryTopic: string
  deadLetterTopic: string
  /** The delay ladder's topics, shortest rung first. */
  delayTopics: string[]
}

export interface QueueNaming {
  /** The default queue's name (KAFKA_QUEUE). */
  queue: string
  /** The default queue's topic (KAFKA_TOPIC, else the queue's name). */
  topic: string
}

export function topicsForTopic(topic: string, queue = topic): QueueTopics {
  return {
    queue,
    topic,
    retryTopic: topic + RETRY_SUFFIX,
    deadLetterTopic: topic + DEAD_LETTER_SUFFIX,
    delayTopics: delayTopicsOf(topic),
  }
}

export function topicsForQueue(naming: QueueNaming, queue: string = naming.queue): QueueTopics {
  return topicsForTopic(queue === naming.queue ? naming.topic : queue, queue)
}

/** A topic kq makes beside a queue topic, named by the queue topic and a suffix. */
export interface CompanionTopic {
  queueTopic: string
  /** What it is to its queue, in words: `retry`, `dead-letter`, `delay 1m`. */
  role: string
}

const COMPANION_SUFFIXES: ReadonlyArray<[string, string]> = [
  [RETRY_SUFFIX, 'retry'],
  [DEAD_LETTER_SUFFIX, 'dead-letter'],
  ...RUNGS.map((rung): [string, string] => [DELAY_SUFFIX + rung.label, `delay ${rung.label}`]),
]

/**
 * The queue topic a name belongs to when it ends in one of kq's suffixes; undefined for any other
 * name. Such a name cannot be a queue itself: its own companions would read as another queue's
 * (`orders-dlt-retry`), and no hint may lead a user to create it as one.
 */
export function companionOf(topic: string): CompanionTopic | undefined {
  for (const [suffix, role] of COMPANION_SUFFIXES) {
    if (topic.length > suffix.length && topic.endsWith(suffix)) return {queueTopic: topic.slice(0, -suffix.length), role}
  }

  return undefined
}
