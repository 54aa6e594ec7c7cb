import {setTimeout as sleep} from 'node:timers/promises'

import {type QueueTopics} from '../config/index.js'
import {reducedDeadLetter} from '../dead-letter/record.js'
import {delayTopicFor} from '../delay/ladder.js'
import {BrokerUnreachableError, RecordTooLargeError} from '../errors.js'
import {FAILURE_HEADERS, describeError} from '../failure/headers.js'
import {type IncomingMessage, type OutgoingMessage, type PublishedRecord, type Publisher, type SendOptions} from '../kafka/index.js'
import {resultWithin} from './deadline.js'
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
  /** The partitions of a topic that no broker leads now; empty when it cannot tell. */
  withoutLeader?(topic: string): Promise<number[]>
  /** Fired when the worker is asked to stop: a write waiting for a leader gives up. */
  stopping?: AbortSignal
  /** Told when a write starts or stops waiting for a leader: waiting writes hold no slot. */
  waitingChanged?(): void
}

/**
 * How long a write may take before the writer asks whether its topic lacks a leader: a healthy
 * cluster acknowledges in milliseconds, and a slot should not sit idle for a minute.
 */
const LEADER_CHECK_MS = 1000

/** How long the question whether a topic lacks a leader may take: one metadata request. */
const LEADER_QUESTION_MS = 2000

/**
 * Writes what a record's failure leaves behind (a retry record, a dead letter, a record moved
 * down the delay ladder), each acknowledged by every in-sync replica before it returns: only
 * then may the record it stands for be committed.
 */
export class FailureWriter {
  /** Writes waiting for a partition to have a leader again, by topic. */
  private readonly waitingOn = new Map<string, number>()
  private waitingWrites = 0

  constructor(private readonly deps: FailureWriterDeps) {}

  /** Writes that wait for a leader: they hold no slot (see write). */
  get waiting(): number {
    return this.waitingWrites
  }

  /**
   * Writes a record and waits for every in-sync replica to have it. While the broker is away it
   * tries again, up to the worker's broker timeout; then, or on any other refusal, it throws,
   * and the record it stands for is left unresolved, to be delivered again.
   *
   * A topic with a partition that no broker leads (every replica's broker down) is waited for
   * without a deadline: stopping the worker would not bring the leader back, and a supervisor
   * would only start it again into the same wait. The write then holds no slot, so the other
   * jobs go on; the record it stands for stays unfinished (and its key held) until it is written.
   */
  async write(topic: string, record: OutgoingMessage, options?: SendOptions): Promise<PublishedRecord> {
    const deadline = Date.now() + this.deps.brokerTimeout * 1000
    let waiting = false
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const sending = this.deps.publisher.send(topic, record, options)
          if (!waiting) {
            const sent = await resultWithin(sending, LEADER_CHECK_MS)
            if (sent !== undefined) return sent
            waiting = await this.startWaiting(topic)
          }

          return await (waiting ? this.unlessStopping(sending, topic) : sending)
        } catch (error) {
          if (error instanceof PublishFailedError) throw error
          if (!(error instanceof BrokerUnreachableError)) throw new PublishFailedError(`cannot write to ${topic}: ${describeError(error).message}`, {cause: error})
          waiting ||= await this.startWaiting(topic)
          if (!waiting && Date.now() > deadline) throw new PublishFailedError(`cannot write to ${topic}: ${describeError(error).message}`, {cause: error})
          await this.pause(Math.min(5000, 250 * 2 ** attempt), topic)
        }
      }
    } finally {
      if (waiting) this.stopWaiting(topic)
    }
  }

  /** True, and said, when `topic` has a partition without a leader: the write then waits for it. */
  private async startWaiting(topic: string): Promise<boolean> {
    const down = await this.withoutLeader(topic)
    if (down.length === 0) return false
    const already = this.waitingOn.get(topic) ?? 0
    this.waitingOn.set(topic, already + 1)
    this.waitingWrites++
    if (already === 0) {
      this.deps.events.emit('warning', {
        message:
          `no leader for ${topic}[${down.join(', ')}]: every broker holding a replica is down, so a record for it waits until one is back; ` +
          "the job it comes from stays unfinished and its key's later jobs wait with it, while the other jobs go on",
      })
    }

    this.deps.waitingChanged?.()
    return true
  }

  /**
   * The topic's partitions without a leader, asked on the admin connection; empty when it cannot
   * tell in time: with the broker itself away, the question would wait as long as the write.
   */
  private async withoutLeader(topic: string): Promise<number[]> {
    if (this.deps.withoutLeader === undefined) return []
    try {
      return (await resultWithin(this.deps.withoutLeader(topic), LEADER_QUESTION_MS)) ?? []
    } catch {
      return []
    }
  }

  private stopWaiting(topic: string): void {
    const left = (this.waitingOn.get(topic) ?? 1) - 1
    if (left === 0) this.waitingOn.delete(topic)
    else this.waitingOn.set(topic, left)
    this.waitingWrites--
    this.deps.waitingChanged?.()
  }

  /** The pause between tries; a stop ends it, as it ends a wait for a leader (see unlessStopping). */
  private async pause(ms: number, topic: string): Promise<void> {
    try {
      await sleep(ms, undefined, {signal: this.deps.stopping})
    } catch (error) {
      if (this.deps.stopping?.aborted) throw stoppedWaiting(topic)
      throw error
    }
  }

  /**
   * `work`, unless the worker stops first: a write waiting for a leader must not hold the stop
   * up. Its record is left unfinished, to run again on the partition's next owner.
   */
  private async unlessStopping<T>(work: Promise<T>, topic: string): Promise<T> {
    const {stopping} = this.deps
    if (stopping === undefined) return work
    work.catch(() => {})
    if (stopping.aborted) throw stoppedWaiting(topic)
    let onAbort!: () => void
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(stoppedWaiting(topic))
      stopping.addEventListener('abort', onAbort, {once: true})
    })
    try {
      return await Promise.race([work, aborted])
    } finally {
      stopping.removeEventListener('abort', onAbort)
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

function stoppedWaiting(topic: string): PublishFailedError {
  return new PublishFailedError(`stopped before a record for ${topic} was written: the job it comes from runs again on its partition's next owner`)
}
