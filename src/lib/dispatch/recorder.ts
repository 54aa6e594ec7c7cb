import {type Keyring} from '../envelope/index.js'
import {type OutgoingMessage} from '../kafka/index.js'

/**
 * Where dispatches go instead of Kafka while `fakeQueue()` of kq/testing is active: the one
 * seam between the Dispatcher and its producer, so that a faked dispatch goes through every
 * check a real one does (queue, delay, headers, size, schema) and then opens no connection.
 */

/** A job checked and encoded, as it would be sent. */
export interface OutgoingJob {
  job: string
  queue: string
  /** The queue topic, or the delay topic the job would wait on. */
  topic: string
  /** When a delayed job may start (ISO 8601). */
  dueAt?: string
  /** The wait asked for, in milliseconds; absent when at once. */
  delayMs?: number
  message: OutgoingMessage
  /** The keys of an encrypted job's payload, so that a recorder can read it back. */
  keyring?: Keyring
}

export interface DispatchRecorder {
  /** Keeps the job; answers with where it "landed". */
  record(job: OutgoingJob): {partition: number; offset: number}
}

let active: DispatchRecorder | undefined

/** Sends every dispatch of the process to `recorder` (undefined: to Kafka again); returns the one it replaces. */
export function recordDispatches(recorder: DispatchRecorder | undefined): DispatchRecorder | undefined {
  const previous = active
  active = recorder
  return previous
}

export function dispatchRecorder(): DispatchRecorder | undefined {
  return active
}
