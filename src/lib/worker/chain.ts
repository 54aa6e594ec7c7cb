import {type EncryptionKey, type JobEnvelope, type OpenChainStep, createEnvelope, newJobId, sealChainSteps, sealEnvelopePayload} from '../envelope/index.js'
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
  /** Headers besides the envelope's own (a unique job's). */
  headers?: Record<string, string>
}

/**
 * The chain's next job once `done` has succeeded: a new job (new id, attempt 1) carrying the
 * rest of the chain and its catch job. `steps` are done's chain, decrypted (openChainSteps);
 * an encrypted step's payload is encrypted again, under `key`, for the job that carries it now.
 * Undefined at the chain's end. Pure but for the IVs: the clock is passed in.
 */
export function nextInChain(done: JobEnvelope, steps: readonly OpenChainStep[], now: Date, key?: EncryptionKey): FollowUp | undefined {
  const [next, ...rest] = steps
  if (next === undefined) return undefined
  const keyFor = (): EncryptionKey => {
    // openChainSteps found the keyring for every encrypted step: the current key is there.
    if (key === undefined) throw new Error('an encrypted chain step needs KQ_ENCRYPTION_KEY')
    return key
  }

  const {job, queue, payload, key: recordKey, maxTries, timeout, backoff, seal} = next
  const id = newJobId(now.getTime())
  const made = createEnvelope({job, queue, payload, maxTries, timeout, backoff, chain: sealChainSteps(rest, id, keyFor), chainCatch: done.chainCatch}, {id, now: () => now})
  return {queue, key: recordKey ?? null, envelope: seal === true ? sealEnvelopePayload(made, keyFor()) : made}
}

/**
 * The chain's catch job after `failed` failed for good, given the payload the failed job ran
 * with (decrypted); undefined for a chain without one, or a job in none. The failure holds that
 * payload: when it came encrypted, the catch job is encrypted too, under `key`.
 */
export function chainCatchJob(failed: JobEnvelope, payload: unknown, error: unknown, now: Date, key?: EncryptionKey): FollowUp | undefined {
  if (failed.chainCatch === undefined) return undefined
  const {className, message} = describeError(error)
  const failure: ChainFailure = {job: failed.job, id: failed.id, payload, error: {name: className, message}}
  const {job, queue} = failed.chainCatch
  const made = createEnvelope({job, queue, payload: failure}, {now: () => now})
  return {queue, key: null, envelope: failed.encrypted !== undefined && key !== undefined ? sealEnvelopePayload(made, key) : made}
}
