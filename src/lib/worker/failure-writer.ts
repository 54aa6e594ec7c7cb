import {setTimeout as sleep} from 'node:timers/promises'

import {type QueueTopics} from '../config/index.js'
import {reducedDeadLetter} from '../dead-letter/record.js'
import {delayTopicFor} from '../delay/ladder.js'
import {BrokerUnreachableError, RecordTooLargeError} from '../errors.js'
import {FAILURE_HEADERS, describeError} from '../failure/headers.js'
import {type IncomingMessage, type OutgoingMessage, type PublishedRecord, type Publisher, type SendOptions} from '../kafka/index.js'
import {type WorkerEmitter} from './events.js'

/** Thrown when a retry record or dead letter could not be written: the record must not be resolved. */
export class PublishFailedError extends Error {
  override name = 'PublishFailedError'
}

export interface FailureWriterDeps {
  publisher: Publisher
  events: WorkerEmitter
  /** The topics of each queue, by any of its topics. */
  topicsOf(topic: string): QueueTopics
  /** Seconds to keep trying while the broker is away. */
  brokerTimeout: number
}

/**
 * Writes what a record's failure leaves behind (a retry record, a dead letter, a record moved
 * down the delay ladder), each acknowledged by every in-sync replica before it returns: only
 * then may the record it stands for be committed.
 */
export class FailureWriter {
  constructor(private readonly deps: FailureWriterDeps) {}

  /**
   * Writes a record and waits for every in-sync replica to have it. While the broker is away it
   * tries again, up to the worker's broker timeout; then, or on any other refusal, it throws,
   * and the record it stands for is left unresolved, to be delivered again.
   */
  async write(topic: string, record: OutgoingMessage, options?: SendOptions): Promise<PublishedRecord> {
    const deadline = Date.now() + this.deps.brokerTimeout * 1000
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deps.publisher.send(topic, record, options)
      } catch (error) {
        if (!(error instanceof BrokerUnreachableError) || Date.now() > deadline) {
          throw new PublishFailedError(`cannot write to ${topic}: ${describeError(error).message}`, {cause: error})
        }

        await sleep(Math.min(5000, 250 * 2 ** attempt))
      }
    }
  }

  /** Writes the dead letter of `message`; one too large whole is written reduced, and said so. */
  async writeDeadLetter(message: IncomingMessage, record: OutgoingMessage): Promise<void> {
    const topic = this.deps.topicsOf(message.topic).deadLetterTopic
    try {
      await this.write(topic, record)
    } catch (error) {
      if (!(error instanceof PublishFailedError && error.cause instanceof RecordTooLargeError)) throw error
      const reduced = reducedDeadLetter(record)
      await this.write(topic, reduced)
      const where = `${message.topic}[${message.partition}]@${message.offset}`
      this.deps.events.emit('warning', {
        message:
          `the dead letter of ${where} was too large for ${topic}, so it was written without its value ` +
          `(${reduced.headers?.[FAILURE_HEADERS.valueOmitted]} bytes, header ${FAILURE_HEADERS.valueOmitted}); the value stays at ${where} until that topic's retention removes it`,
      })
    }
  }

  /**
   * Writes a retry where it waits: on the delay rung for its backoff, so that it never waits
   * behind a longer backoff; a backoff under a second goes to the retry topic, due almost at once.
   */
  async writeRetry(topic: string, delayMs: number, record: OutgoingMessage): Promise<PublishedRecord> {
    const topics = this.deps.topicsOf(topic)
    return this.write(delayTopicFor(topics.topic, delayMs) ?? topics.retryTopic, record)
  }
}
