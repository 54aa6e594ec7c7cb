import {type KqConfig} from '../config/index.js'
import {type QueueNaming, companionOf} from '../config/topics.js'
import {DelayTopicNotFoundError, QueueNotFoundError, TopicNotFoundError} from '../errors.js'
import {withTopicAdmin} from '../kafka/index.js'
import {closest} from '../text/closest.js'
import {isInternalTopic, topicRoles} from './list.js'

/**
 * What a command that only reads says of a topic that does not exist, given the topics that do.
 * When the queue itself is missing, the name was most often mistyped: the answer is the queue
 * meant, or where to see them all, not `kq topic:create`, which would make a second, empty
 * queue. Undefined when the queue exists (only a companion is missing, which topic:create adds)
 * or the name is a companion's (the topic's own message names the queue to use).
 */
export function missingQueueError(error: TopicNotFoundError, existing: string[], naming: QueueNaming): QueueNotFoundError | undefined {
  if (error instanceof DelayTopicNotFoundError) return undefined
  const queueTopic = companionOf(error.topic)?.queueTopic ?? error.topic
  if (existing.includes(queueTopic) || companionOf(queueTopic) !== undefined) return undefined
  const queueOf = (topic: string) => (topic === naming.topic ? naming.queue : topic)
  const queue = queueOf(queueTopic)
  // A command given no queue works the default one, a name the user may never have typed.
  const isDefault = queueTopic === naming.topic
  const missing = `no queue named ${queue} (${isDefault ? 'the default queue, KAFKA_QUEUE; ' : ''}its topic ${queueTopic} does not exist)`
  const roles = topicRoles(existing.filter((name) => !isInternalTopic(name)))
  const queues = [...roles].filter(([, role]) => role === 'queue').map(([topic]) => queueOf(topic))
  // On a cluster without queues the name is not a typo of another: making it is the next step.
  if (queues.length === 0) return new QueueNotFoundError(error.topic, `${missing}, nor any other yet: create it with \`kq topic:create ${queue}\``)
  const meant = closest(queue, queues)
  const list = `see \`kq topic:list\` for the queues there are${isDefault ? ', and name one or set KAFKA_QUEUE' : ''}`
  const hint = meant === undefined ? list : `did you mean ${meant}? \`kq topic:list\` shows the queues there are`
  return new QueueNotFoundError(error.topic, `${missing}: ${hint}`)
}

/**
 * What a command that writes (dispatch, work) says of a queue topic that does not exist when an
 * existing queue's name is close: that queue first, as the name was most often mistyped, then
 * `kq topic:create` for a new one. Undefined when no queue is close, or only a companion is missing.
 */
export function mistypedQueueError(error: TopicNotFoundError, existing: string[], naming: QueueNaming): TopicNotFoundError | undefined {
  if (error instanceof DelayTopicNotFoundError || error instanceof QueueNotFoundError) return undefined
  const queueTopic = error.topic
  if (companionOf(queueTopic) !== undefined || existing.includes(queueTopic)) return undefined
  const queueOf = (topic: string) => (topic === naming.topic ? naming.queue : topic)
  const roles = topicRoles(existing.filter((name) => !isInternalTopic(name)))
  const meant = closest(queueOf(queueTopic), [...roles].filter(([, role]) => role === 'queue').map(([topic]) => queueOf(topic)))
  if (meant === undefined) return undefined
  return new TopicNotFoundError(queueTopic, `topic ${queueTopic} does not exist: did you mean queue ${meant}? For a new queue, create it with \`kq topic:create ${queueOf(queueTopic)}\``)
}

/**
 * missingQueueError (for a command that only reads) or mistypedQueueError with the topics there
 * are, read from Kafka; the error as it was when neither applies, or when Kafka cannot be asked again.
 */
export async function explainMissingQueue(config: KqConfig, error: TopicNotFoundError, {reads}: {reads: boolean}): Promise<TopicNotFoundError> {
  if (error instanceof QueueNotFoundError) return error
  const existing = await withTopicAdmin(config.kafka, async (admin) => admin.listTopics()).catch(() => undefined)
  if (existing === undefined) return error
  return (reads ? missingQueueError(error, existing, config) : mistypedQueueError(error, existing, config)) ?? error
}
