import {type QueueTopics} from '../config/index.js'
import {DelayTopicNotFoundError, TopicNotFoundError} from '../errors.js'
import {type Publisher} from '../kafka/index.js'

/** Throws unless every topic of the queues exists; a missing one's error says how to make it. */
export async function assertQueueTopics(publisher: Publisher, queues: QueueTopics[]): Promise<void> {
  await Promise.all(
    queues.flatMap((topics) => [
      ...[topics.topic, topics.retryTopic, topics.deadLetterTopic].map(async (topic) => publisher.assertTopicExists(topic)),
      // A queue made before kq had delayed jobs: topic:create adds what it lacks.
      ...topics.delayTopics.map(async (topic) =>
        publisher.assertTopicExists(topic).catch((error: unknown) => {
          throw error instanceof TopicNotFoundError ? new DelayTopicNotFoundError(topic, topics.topic) : error
        }),
      ),
    ]),
  )
}
