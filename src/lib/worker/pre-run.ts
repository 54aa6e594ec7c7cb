import {type JobEnvelope, type Keyring, type OpenChainStep, openChainSteps, openPayload} from '../envelope/index.js'
import {UNIQUE_HEADERS, type UniqueMark} from '../envelope/unique.js'
import {type JobClass} from '../jobs/job.js'
import {type MiddlewareScope} from '../jobs/middleware.js'
import {type IncomingMessage} from '../kafka/index.js'
import {type DeadLetterReason} from '../retry/index.js'
import {checkPayload} from '../schema/validate.js'
import {type UniqueLocks} from './unique.js'

export interface PreRunDeps {
  /** Keys of encrypted payloads; without, an encrypted job is dead-lettered as undecryptable. */
  keyring?: Keyring
  unique: UniqueLocks
  /** Middleware state shared by all the jobs this worker runs. */
  store: Map<string, unknown>
  /** This worker's share (0 to 1) of the partitions of the queue a topic belongs to, for middleware. */
  share(topic: string): number
  /** The queue topic a record's topic belongs to: unique ids are held per queue partition. */
  queueTopicOf(topic: string): string
}

/** A job cleared to run: its payload as handle() gets it, and what its run needs. */
export interface Cleared {
  verdict: 'run'
  payload: unknown
  /** The chain's steps after this job, decrypted; undefined for a job in no chain. */
  chain?: readonly OpenChainStep[]
  /** Its claim on its unique id, ended when the job ends; undefined for a job that is not unique. */
  unique?: {end(): void}
  /** Made only for a job with middleware. */
  scope?: MiddlewareScope
}

export type PreRun =
  | Cleared
  /** Never runs: dead-lettered for this reason. */
  | {verdict: 'poison'; reason: DeadLetterReason; error: unknown}
  /** A duplicate of a unique job: never runs, committed. */
  | {verdict: 'skip'; mark: UniqueMark}

/**
 * The checks between a decoded record and its first attempt, in order: its payload and its
 * chain's decrypt, its payload passes the job's schema, it is not a duplicate of a unique job
 * held now; then its middleware's scope. Each costs a job that does not use it one check: this
 * runs for every record.
 */
export async function preRun(message: IncomingMessage, envelope: JobEnvelope, instance: InstanceType<JobClass>, deps: PreRunDeps): Promise<PreRun> {
  // An encrypted payload, or chain step, that does not decrypt (no key, or changed since) never runs.
  let given = envelope.payload
  let chain: readonly OpenChainStep[] | undefined
  try {
    if (envelope.encrypted !== undefined) given = openPayload(envelope, deps.keyring)
    if (envelope.chain !== undefined) chain = openChainSteps(envelope.chain, envelope.id, deps.keyring)
  } catch (error) {
    return {verdict: 'poison', reason: 'undecryptable', error}
  }

  const checked = instance.schema === undefined ? undefined : await checkPayload(instance.schema, given, envelope.job)
  if (checked?.ok === false) return {verdict: 'poison', reason: 'invalid-payload', error: checked.error}

  const unique = message.headers[UNIQUE_HEADERS.id] === undefined ? undefined : deps.unique.claimRecord(message, envelope, deps.queueTopicOf(message.topic))
  if (unique?.claim === 'duplicate') return {verdict: 'skip', mark: unique.mark}
  if (unique?.mark.untilProcessing) unique.release()
  const scope = instance.middleware === undefined ? undefined : {key: message.key?.toString() ?? null, share: deps.share(message.topic), store: deps.store}
  return {verdict: 'run', payload: checked === undefined ? given : checked.value, chain, unique, scope}
}
