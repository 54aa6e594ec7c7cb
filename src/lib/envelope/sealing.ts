import {type EncryptionKey, type Keyring, type SealBinding, openSealedPayload, sealPayload} from './encryption.js'
import {parseMessageJson, toJson} from './json.js'
import {type ChainStep, type JobEnvelope} from './types.js'

/**
 * Encrypting a whole job: its own payload, and the payloads of the chain's steps it carries. A
 * step's payload travels in every job of the chain before it, so an encrypted job's payload
 * would be readable on Kafka long before the job itself if only `payload` were encrypted.
 */

/**
 * A chain's step with its payload in the clear, in memory only: `seal` when its job class is
 * encrypted, so that its payload is encrypted whenever a job carries it.
 */
export type OpenChainStep = Omit<ChainStep, 'encrypted'> & {seal?: boolean}

/**
 * What a step's sealed payload is bound to: the job carrying it, its place in that job's chain,
 * and its own job name. A job id never contains '/', so a step's payload cannot pass for a
 * job's own, nor move to another place or another chain unnoticed.
 */
export function stepBinding(carrierId: string, index: number, job: string): SealBinding {
  return {id: `${carrierId}/${index}`, job}
}

/** The envelope with its payload encrypted under `key` into `encrypted`, bound to its id and job. */
export function sealEnvelopePayload(envelope: JobEnvelope, key: EncryptionKey): JobEnvelope {
  const {payload, ...rest} = envelope
  // `payload: undefined` is left out of the JSON: the message carries `encrypted` alone.
  return {...rest, encrypted: sealPayload(toJson(payload), key, envelope), payload: undefined}
}

/** The steps as a job of id `carrierId` carries them: those marked `seal` encrypted, with the key `keyFor` gives for their job. */
export function sealChainSteps(steps: readonly OpenChainStep[], carrierId: string, keyFor: (job: string) => EncryptionKey): ChainStep[] {
  return steps.map(({seal, payload, ...step}, index) =>
    seal === true ? {...step, payload: undefined, encrypted: sealPayload(toJson(payload), keyFor(step.job), stepBinding(carrierId, index, step.job))} : {...step, payload},
  )
}

/**
 * The steps a job of id `carrierId` carries, their payloads decrypted with the keyring; the same
 * array when none is encrypted. Throws an UnsealError as openPayload does.
 */
export function openChainSteps(steps: readonly ChainStep[], carrierId: string, keyring: Keyring | undefined): readonly OpenChainStep[] {
  if (!steps.some((step) => step.encrypted !== undefined)) return steps
  return steps.map(({encrypted, ...step}, index) =>
    encrypted === undefined ? step : {...step, payload: parseMessageJson(openSealedPayload(encrypted, keyring, stepBinding(carrierId, index, step.job))), seal: true},
  )
}
