// The envelope's type has a module of its own so that the codec (index.ts) and the rules
// (validate.ts) can both use it without importing each other.

import {type SealedPayload} from './encryption.js'

/**
 * A job as it travels through Kafka. Fields kq does not know are kept as they are when a
 * message is decoded: a newer producer may add optional fields without breaking older workers.
 */
export interface JobEnvelope<P = unknown> {
  /** Marks a kq job and gives the format version; a different version is refused, not guessed. */
  kq: 1
  /** UUIDv7, lower case: the same on every attempt, and sorts by dispatch time. */
  id: string
  /** The job class name, a JavaScript identifier of at most 200 characters. */
  job: string
  /** The queue it was dispatched to; a queue's topic is the queue's name (KAFKA_TOPIC for the default). */
  queue: string
  /**
   * The job's input: any JSON value. Undefined in a message whose payload is `encrypted`: the
   * worker decrypts it (openPayload), and a retry or dead letter keeps it encrypted.
   */
  payload: P
  /** The payload, encrypted with AES-256-GCM, instead of `payload` (a job class with `encrypted = true`). */
  encrypted?: SealedPayload
  /** 1 on dispatch, one more on each retry. */
  attempt: number
  /** When it was dispatched: ISO-8601 UTC with milliseconds, as Date#toISOString writes. */
  dispatchedAt: string
  /** Attempts allowed in all, when the job class sets them; else the worker decides. */
  maxTries?: number
  /** Seconds an attempt may run, when the job class sets it. */
  timeout?: number
  /** Seconds to wait before each retry, the last repeating, when the job class sets them. */
  backoff?: number[]
  /** A chain's jobs still to run after this one, in order: the next is dispatched when this one is done. */
  chain?: ChainStep[]
  /** A chain's job to dispatch if one of its jobs fails for good. */
  chainCatch?: {job: string; queue: string}
  /** The batch this job belongs to, and where its created record is on the batch topic. */
  batch?: BatchRef
}

/**
 * A job's batch: its id, and the partition and offset of its created record on the batch topic,
 * from which the worker that ends a job reads the batch's progress.
 */
export interface BatchRef {
  id: string
  partition: number
  offset: number
}

/** One job of a chain waiting for the ones before it: what its envelope will be made of. */
export interface ChainStep {
  job: string
  queue: string
  /** Its input; undefined when `encrypted` holds it. */
  payload: unknown
  /**
   * The payload encrypted, instead of `payload`, for a job class with `encrypted = true`: bound
   * to the id of the job that carries the step and the step's place in its chain (see sealing.ts).
   */
  encrypted?: SealedPayload
  /** Its message key; left out: none. */
  key?: string
  maxTries?: number
  timeout?: number
  backoff?: number[]
}
