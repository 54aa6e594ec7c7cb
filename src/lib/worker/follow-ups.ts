import {type JobEnvelope, encodeEnvelope} from '../envelope/index.js'
import {type IncomingMessage} from '../kafka/index.js'
import {releasedRecord} from '../retry/record.js'
import {type FollowUp} from './chain.js'
import {type JobRef, type WorkerEmitter} from './events.js'
import {type FailureWriter} from './failure-writer.js'

export interface FollowUpsDeps {
  writer: FailureWriter
  events: WorkerEmitter
  group: string
  maxMessageBytes: number
  /** The topic of any queue, for the next job of a chain. */
  topicOfQueue(queue: string): string
}

/**
 * Writes what a job leaves behind besides retries and dead letters: itself again when a
 * middleware released it, and a chain's next job or catch job. Each is acknowledged by every
 * in-sync replica before it returns: only then may the record that led to it be resolved.
 */
export class FollowUps {
  constructor(private readonly deps: FollowUpsDeps) {}

  /**
   * Puts a released job back: on the delay rung for its wait (or the retry topic under a
   * second), as the same attempt.
   */
  async release(message: IncomingMessage, envelope: JobEnvelope, ref: JobRef, released: {delayMs: number; reason: string}): Promise<void> {
    const record = releasedRecord(envelope, Date.now() + released.delayMs, {
      source: message,
      group: this.deps.group,
      maxMessageBytes: this.deps.maxMessageBytes,
    })
    await this.deps.writer.writeRetry(message.topic, released.delayMs, record)
    this.deps.events.emit('job:released', {...ref, ...released})
  }

  /** Writes a chain's next job or its catch job to its queue; nothing when there is none. */
  async dispatch(followUp: FollowUp | undefined): Promise<void> {
    if (followUp === undefined) return
    const {value, headers} = encodeEnvelope(followUp.envelope, {maxBytes: this.deps.maxMessageBytes})
    await this.deps.writer.write(this.deps.topicOfQueue(followUp.queue), {key: followUp.key, value, headers: {...followUp.headers, ...headers}})
  }
}
