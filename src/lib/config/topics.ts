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
import {delayTopicsOf} from '../delay/ladder.js'

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
