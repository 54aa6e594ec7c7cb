import {type QueueTopics} from '../config/index.js'
import {DelayTopicNotFoundError, TopicNotFoundError} from '../errors.js'
import {type Publisher} from '../kafka/index.js'

/**
 * Throws unless every topic of the queues exists; the error says how to make what is missing.
 * Every queue that lacks a topic is named in it, each with its own `kq topic:create`: a worker
 * of two new queues would otherwise ask for the second only once the first was made.
 */
export async function assertQueueTopics(publisher: Publisher, queues: QueueTopics[]): Promise<void> {
  const missing = (await Promise.all(queues.map(async (topics) => firstMissing(publisher, topics)))).filter((each) => each !== undefined)
  if (missing.length <= 1) {
    if (missing[0] !== undefined) throw missing[0].error
    return
  }

  const topics = missing.map((each) => each.error.topic).join(', ')
  const commands = missing.map((each) => `\`kq topic:create ${each.queueTopic}\``)
  throw new TopicNotFoundError(missing[0].error.topic, `topics ${topics} do not exist: create them with ${commands.slice(0, -1).join(', ')} and ${commands.at(-1)}`)
}

/** The first of a queue's topics that does not exist, in the order topic:create makes them. */
async function firstMissing(publisher: Publisher, topics: QueueTopics): Promise<{queueTopic: string; error: TopicNotFoundError} | undefined> {
  const checks = await Promise.allSettled([
    ...[topics.topic, topics.retryTopic, topics.deadLetterTopic].map(async (topic) => publisher.assertTopicExists(topic)),
    // A queue made before kq had delayed jobs: topic:create adds what it lacks.
    ...topics.delayTopics.map(async (topic) =>
      publisher.assertTopicExists(topic).catch((error: unknown) => {
        throw error instanceof TopicNotFoundError ? new DelayTopicNotFoundError(topic, topics.topic) : error
      }),
    ),
  ])
  const failures = checks.flatMap((check) => (check.status === 'rejected' ? [check.reason as unknown] : []))
  const other = failures.find((error) => !(error instanceof TopicNotFoundError))
  if (other !== undefined) throw other
  const [error] = failures as TopicNotFoundError[]
  return error === undefined ? undefined : {queueTopic: topics.topic, error}
}
