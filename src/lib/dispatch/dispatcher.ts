import {type KqConfig, topicsForQueue} from '../config/index.js'
import {companionOf} from '../config/topics.js'
import {topicName} from '../config/values.js'
import {type BatchRef, type EncryptionKey, type EnvelopeEncoder, type Keyring, type OpenChainStep, createEnvelope, encodeEnvelope, envelopeEncoder, newJobId, sealChainSteps, sealEnvelopePayload} from '../envelope/index.js'
import {MAX_UNIQUE_ID_LENGTH, uniqueHeaders} from '../envelope/unique.js'
import {ConfigError, UsageError} from '../errors.js'
import {type OutgoingMessage, type PublishedRecord, type Publisher, openPublisher} from '../kafka/index.js'
import {assertPayloadValid} from '../schema/validate.js'
import {activeTraceHeaders} from '../trace/otel.js'
import {type BulkLine, type BulkProgress, type BulkResult, type BulkTarget, recordBulk, sendLines} from './bulk.js'
import {type BulkLines, arrayLines} from './line-store.js'
import {checkHeaders} from './input.js'
import {type Placement, assertTopicsExist, notBeforeHeader, placement, sendOptions} from './placement.js'
import {dispatchRecorder} from './recorder.js'
import {type DispatchOptions, type DispatchReceipt, type JobDefaults} from './types.js'

/** How many producers an application's dispatches may use side by side (see PublisherOptions.lanes). */
const DISPATCH_LANES = 4

export type {BulkLine, BulkProgress, BulkResult, BulkTarget} from './bulk.js'
export type {BulkLines} from './line-store.js'
export type {Placement} from './placement.js'

/** A job checked and encoded, ready to send: building one is where every bad input is caught. */
export interface PreparedJob extends Placement {
  id: string
  job: string
  queue: string
  message: OutgoingMessage
}

/** The rest of a chain, carried by the job that starts it; a step marked `seal` is sent encrypted. */
export interface Chained {
  chain: OpenChainStep[]
  chainCatch?: {job: string; queue: string}
}

/**
 * Turns jobs into Kafka messages and sends them. Checking (prepare, target) is separate from
 * sending, so that a command can refuse bad input before it connects, and a bulk dispatch can
 * check every line before it sends the first.
 */
export class Dispatcher {
  private publisher?: Promise<Publisher>
  /** Gives up the connection being made, if one is: close() does not wait for it. */
  private connecting?: AbortController
  /** The publisher once open, and the topics it found: a dispatch to them waits on neither. */
  private open?: {publisher: Publisher; topics: Set<string>}
  /** Where each kind of job and queue goes, checked once: see target(). */
  private readonly routes = new Map<string, {queue: string; encoder: EnvelopeEncoder; topic: string}>()

  constructor(private readonly config: KqConfig) {}

  /**
   * Checks where a job of this kind goes, and when it may start, and builds its encoder: no
   * connection needed. A delay counts from now: every job sent to this target has one due time.
   */
  target(job: JobDefaults, options: DispatchOptions = {}, batch?: BatchRef): BulkTarget {
    const raw = options.queue ?? job.queue ?? this.config.queue
    // One route per kind of job and queue: its queue and template are checked once, not per
    // dispatch. A batch's jobs are not cached: each batch would leave its own behind.
    const cacheKey = batch === undefined ? JSON.stringify([job.name, raw, job.tries, job.timeout, job.backoff, job.encrypted]) : undefined
    const known = cacheKey === undefined ? undefined : this.routes.get(cacheKey)
    const queue = known?.queue ?? topicName({raw, label: options.queue === undefined ? `queue of ${job.name}` : 'queue', fromCommandLine: true})
    const encoder = known?.encoder ?? this.encoderFor(job, queue, batch)
    // Inside a traced request, the job joins its trace; headers given explicitly win.
    const trace = activeTraceHeaders()
    const headers = options.headers === undefined ? trace : {...trace, ...checkHeaders(options.headers)}
    const topic = known?.topic ?? this.queueTopicOf(queue)
    if (cacheKey !== undefined && known === undefined) this.routes.set(cacheKey, {queue, encoder, topic})
    return {job: job.name, queue, ...placement(topic, options), headers, encoder}
  }

  private encoderFor(job: JobDefaults, queue: string, batch?: BatchRef): EnvelopeEncoder {
    const template = {job: job.name, queue, maxTries: job.tries, timeout: job.timeout, backoff: job.backoff, ...(batch && {batch})}
    return envelopeEncoder(template, {maxBytes: this.config.maxMessageBytes, ...(job.encrypted && {encryptWith: this.encryptionKeyFor(job.name)})})
  }

  /** The topic a queue's jobs are written to; never a retry, delay or dead-letter topic. */
  private queueTopicOf(queue: string): string {
    const {topic} = topicsForQueue(this.config, queue)
    // A job written straight into a retry, delay or dead-letter topic would skip kq's rules there.
    const companion = companionOf(topic)
    if (companion !== undefined) {
      throw new UsageError(`${topic} is the ${companion.role} topic of queue ${companion.queueTopic}, not a queue: dispatch to ${companion.queueTopic}`)
    }

    return topic
  }

  /** Checks and encodes one job; `chained`: the rest of the chain it starts, carried in its envelope. */
  prepare(job: JobDefaults, payload: unknown, options: DispatchOptions = {}, chained?: Chained, batch?: BatchRef): PreparedJob {
    const target = this.target(job, options, batch)
    const {key, unique} = keyOf(job, payload, options)
    const {id, value, headers} = chained === undefined ? target.encoder.encode(payload) : this.encodeChained(job, target.queue, payload, chained)
    const {queueTopic, topic, dueAt, delayMs} = target
    return {
      id,
      job: target.job,
      queue: target.queue,
      queueTopic,
      topic,
      ...(dueAt && {dueAt, delayMs}),
      message: {key, value, headers: mergeHeaders(target, headers, unique)},
    }
  }

  /**
   * The first job of a chain: its envelope made whole, rather than from the encoder's template,
   * which has no chain. Its payload, and each step's of an encrypted job, are encrypted here.
   */
  private encodeChained(job: JobDefaults, queue: string, payload: unknown, chained: Chained): {id: string; value: Buffer; headers: Record<string, string>} {
    const now = new Date()
    const id = newJobId(now.getTime())
    const chain = sealChainSteps(chained.chain, id, (step) => this.encryptionKeyFor(step))
    const made = createEnvelope({job: job.name, queue, payload, maxTries: job.tries, timeout: job.timeout, backoff: job.backoff, ...chained, chain}, {id, now: () => now})
    const envelope = job.encrypted === true ? sealEnvelopePayload(made, this.encryptionKeyFor(job.name)) : made
    return {id, ...encodeEnvelope(envelope, {maxBytes: this.config.maxMessageBytes})}
  }

  async send(prepared: PreparedJob): Promise<DispatchReceipt> {
    const recorder = dispatchRecorder()
    const record = recorder === undefined ? await this.publish(prepared) : recorder.record({...prepared, ...this.keyring()})
    const {id, job, queue, topic, dueAt} = prepared
    return {id, job, queue, topic, partition: record.partition, offset: record.offset, ...(dueAt && {dueAt})}
  }

  /** Checks the payload against the job's schema, if it has one, then prepares and sends. */
  async dispatch(job: JobDefaults, payload: unknown, options: DispatchOptions = {}): Promise<DispatchReceipt> {
    if (job.schema !== undefined) await assertPayloadValid(job.schema, payload, job.name)
    return this.send(this.prepare(job, payload, options))
  }

  /**
   * Sends checked lines in batches, one batch in flight at a time: a batch is acknowledged
   * (acks=all) before the next leaves, so per-key order holds and a failure leaves a clean
   * prefix sent. (Two in flight would not keep order: kafkajs retries a failed request after
   * the next one may have been written.) Each batch is encoded while the one before it is in
   * flight, so memory holds the lines, not 100,000 messages, and encoding overlaps the wait for
   * acks. `onProgress` hears after each batch. Lines still being read (a promise) are waited
   * for while the connection is made: nothing is sent unless every line arrives, and a failure
   * to read them is the one reported.
   */
  async sendBulk(
    target: BulkTarget,
    given: BulkLine[] | BulkLines | Promise<BulkLines>,
    options: {batchSize: number; onProgress?: (progress: BulkProgress) => void; source?: string},
  ): Promise<BulkResult> {
    const recorder = dispatchRecorder()
    if (recorder !== undefined) return recordBulk(recorder, {...target, ...this.keyring()}, bulkLines(await given))
    const ready = this.connect(target).then(async (publisher) => {
      await assertTopicsExist(publisher, target)
      return publisher
    })
    // Heard below once the lines are in; until then a failure to connect must not go unhandled.
    ready.catch(() => {})
    const lines = bulkLines(await given)
    return sendLines(await ready, target, lines, options)
  }

  /** For a faked queue, which records payloads as the job will get them: decrypted. */
  private keyring(): {keyring?: Keyring} {
    return this.config.encryption === undefined ? {} : {keyring: this.config.encryption}
  }

  /** The key an encrypted job is sent under: a job that asks for encryption is never sent in the clear. */
  private encryptionKeyFor(job: string): EncryptionKey {
    const keyring = this.config.encryption
    if (keyring === undefined) {
      throw new ConfigError(`job ${job} is encrypted (its class sets encrypted = true) and KQ_ENCRYPTION_KEY is not set: set it, the same for dispatchers and workers, to the output of \`openssl rand -base64 32\``)
    }

    return keyring.current
  }

  async close(): Promise<void> {
    const publisher = this.publisher
    this.publisher = undefined
    this.open = undefined
    // A connection still being made (a bulk dispatch's lines failed while it was) is given up,
    // not waited for: against an unreachable broker that would be the whole connect timeout.
    this.connecting?.abort(new Error('the dispatcher was closed while it connected to Kafka'))
    if (publisher) await (await publisher.catch(() => undefined))?.close()
  }

  /** Writes one record of kq's own (a batch's record) and waits for every in-sync replica to have it. */
  async write(topic: string, message: OutgoingMessage): Promise<PublishedRecord> {
    const publisher = await this.connect()
    return publisher.send(topic, message)
  }

  private publish(prepared: PreparedJob): Promise<{partition: number; offset: number}> {
    const {open} = this
    if (open !== undefined && open.topics.has(prepared.topic) && open.topics.has(prepared.queueTopic)) {
      return open.publisher.send(prepared.topic, prepared.message, sendOptions(prepared))
    }

    return this.connectAndPublish(prepared)
  }

  private async connectAndPublish(prepared: PreparedJob): Promise<{partition: number; offset: number}> {
    const publisher = await this.connect(prepared)
    await assertTopicsExist(publisher, prepared)
    if (this.open?.publisher === publisher) this.open.topics.add(prepared.topic).add(prepared.queueTopic)
    return publisher.send(prepared.topic, prepared.message, sendOptions(prepared))
  }

  /** The publisher, opened on first use; `first` is where that first use sends, looked up as it connects. */
  private async connect(first?: Placement): Promise<Publisher> {
    // Up to four producers side by side: an application's concurrent dispatches to different
    // partitions do not wait for each other's round trips (see PublisherOptions.lanes).
    const opening = (this.publisher ??= this.openPublisher(first && [first.queueTopic, first.topic]))
    try {
      const publisher = await opening
      // Not one a close() let go of meanwhile: the next dispatch opens a new one.
      if (this.publisher === opening && this.open?.publisher !== publisher) this.open = {publisher, topics: new Set()}
      return publisher
    } catch (error) {
      // A failed connection is not kept: the next dispatch tries again.
      this.publisher = undefined
      throw error
    }
  }

  private async openPublisher(topics?: string[]): Promise<Publisher> {
    const connecting = new AbortController()
    this.connecting = connecting
    try {
      return await openPublisher(this.config.kafka, {sendTimeoutMs: this.config.sendTimeoutMs, lanes: DISPATCH_LANES, signal: connecting.signal, ...(topics && {topics})})
    } finally {
      if (this.connecting === connecting) this.connecting = undefined
    }
  }
}

/** Lines as a bulk dispatch sends them: an array given by code, or a source's store. */
function bulkLines(given: BulkLine[] | BulkLines): BulkLines {
  return Array.isArray(given) ? arrayLines(given) : given
}

/** A message's headers: the caller's and trace's, then kq's own, its unique ones and its due time. */
function mergeHeaders(target: BulkTarget, own: Record<string, string>, unique: Record<string, string>): Record<string, string> {
  // Most jobs have kq's own alone: a fresh object from the encoder, sent as it is.
  if (target.dueAt === undefined && Object.keys(target.headers).length === 0 && Object.keys(unique).length === 0) return own
  return {...target.headers, ...own, ...unique, ...notBeforeHeader(target)}
}

/**
 * A job's message key and unique headers. A job whose middleware needs a key (withoutOverlapping)
 * or that is unique gets that key, so that the jobs it must keep apart share a partition; a
 * caller's other key would break that promise, so it is refused.
 */
export function keyOf(job: JobDefaults, payload: unknown, options: DispatchOptions): {key: string | null; unique: Record<string, string>} {
  const uniqueId = job.unique === undefined ? undefined : String(job.unique.id(payload))
  if (uniqueId !== undefined && (uniqueId === '' || uniqueId.length > MAX_UNIQUE_ID_LENGTH)) {
    throw new UsageError(`uniqueId() of ${job.name} returned ${uniqueId === '' ? 'an empty id' : `an id of ${uniqueId.length} characters`}: return a non-empty id of at most ${MAX_UNIQUE_ID_LENGTH}`)
  }

  const needed = job.recordKey === undefined ? uniqueId : String(job.recordKey(payload))
  if (options.key !== undefined && needed !== undefined && options.key !== needed) {
    const why = job.recordKey === undefined ? 'its unique id' : 'its withoutOverlapping key'
    throw new UsageError(`${job.name} is keyed by ${why} (${JSON.stringify(needed)}), so it cannot be sent with key ${JSON.stringify(options.key)}: leave the key out`)
  }

  const unique = uniqueId === undefined ? {} : uniqueHeaders({id: uniqueId, seconds: job.unique?.seconds, untilProcessing: job.unique?.untilProcessing})
  return {key: options.key ?? needed ?? null, unique}
}

