import {type JobEnvelope, createEnvelope} from '../envelope/index.js'
import {describeError} from '../failure/headers.js'

/** What a chain's catch job gets: which job of the chain failed for good, and how. */
export interface ChainFailure {
  job: string
  id: string
  payload: unknown
  error: {name: string; message: string}
}

/** A job to dispatch, as its envelope, its queue and its key. */
export interface FollowUp {
  queue: string
  key: string | null
  envelope: JobEnvelope
}

/**
 * The chain's next job once `done` has succeeded: a new job (new id, attempt 1) carrying the
 * rest of the chain and its catch job. Undefined at the chain's end. Pure: the clock is passed in.
 */
export function nextInChain(done: JobEnvelope, now: Date): FollowUp | undefined {
  const [next, ...rest] = done.chain ?? []
  if (next === undefined) return undefined
  const {job, queue, payload, key, maxTries, timeout, backoff} = next
  const envelope = createEnvelope({job, queue, payload, maxTries, timeout, backoff, chain: rest, chainCatch: done.chainCatch}, {now: () => now})
  return {queue, key: key ?? null, envelope}
}

/** The chain's catch job after `failed` failed for good; undefined for a chain without one, or a job in none. */
export function chainCatchJob(failed: JobEnvelope, error: unknown, now: Date): FollowUp | undefined {
  if (failed.chainCatch === undefined) return undefined
  const {className, message} = describeError(error)
  const payload: ChainFailure = {job: failed.job, id: failed.id, payload: failed.payload, error: {name: className, message}}
  const {job, queue} = failed.chainCatch
  return {queue, key: null, envelope: createEnvelope({job, queue, payload}, {now: () => now})}
}
