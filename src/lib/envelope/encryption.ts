import {createCipheriv, createDecipheriv, createHash, randomBytes} from 'node:crypto'

/**
 * Encrypted payloads (Laravel's ShouldBeEncrypted): AES-256-GCM over the payload's JSON text,
 * bound to the job's id and name, so a payload cannot be moved into another job unnoticed. The
 * rest of the envelope stays readable: workers, dead-letter tools and Kafka UIs still see which
 * job it is. Pure but for the IV, which a caller may give.
 */

/** The encrypted payload, in the envelope's `encrypted` field: base64 strings, the key by its id. */
export interface SealedPayload {
  /** The id of the key it was encrypted with (see encryptionKey), also in the kq-key-id header. */
  key: string
  /** The 12-byte GCM nonce, base64. */
  iv: string
  /** The encrypted JSON text of the payload, base64. */
  data: string
  /** The 16-byte GCM authentication tag, base64. */
  tag: string
}

export interface EncryptionKey {
  /** Names the key without giving anything of it away: 12 hex digits of a hash of it. */
  id: string
  secret: Buffer
}

/** The key new payloads are encrypted with, and every key a worker may decrypt with. */
export interface Keyring {
  current: EncryptionKey
  /** Former keys, still read during a rotation; never used to encrypt. */
  old: readonly EncryptionKey[]
}

/** What a job's encrypted payload is bound to. */
export interface SealBinding {
  id: string
  job: string
}

const ALGORITHM = 'aes-256-gcm'
export const KEY_BYTES = 32
const IV_BYTES = 12
const TAG_BYTES = 16

export function encryptionKey(secret: Buffer): EncryptionKey {
  const id = createHash('sha256').update('kq-encryption-key-id\0').update(secret).digest('hex').slice(0, 12)
  return {id, secret}
}

/**
 * A key as written in KQ_ENCRYPTION_KEY: 32 bytes in base64, as `openssl rand -base64 32` prints
 * them, optionally after `base64:` (Laravel's APP_KEY form). Undefined when it is not one.
 */
export function parseKeyText(text: string): Buffer | undefined {
  const base64 = text.trim().replace(/^base64:/, '')
  if (!/^[A-Za-z0-9+/]{43}=$/.test(base64)) return undefined
  const secret = Buffer.from(base64, 'base64')
  return secret.length === KEY_BYTES ? secret : undefined
}

export function sealPayload(payloadJson: string, key: EncryptionKey, binding: SealBinding, iv: Buffer = randomBytes(IV_BYTES)): SealedPayload {
  const cipher = createCipheriv(ALGORITHM, key.secret, iv, {authTagLength: TAG_BYTES})
  cipher.setAAD(additionalData(binding))
  const data = Buffer.concat([cipher.update(payloadJson, 'utf8'), cipher.final()])
  return {key: key.id, iv: iv.toString('base64'), data: data.toString('base64'), tag: cipher.getAuthTag().toString('base64')}
}

/** The length of sealPayload's JSON text for a payload of `payloadBytes` bytes, exactly: ids and IVs have fixed lengths. */
export function sealedJsonLength(payloadBytes: number, keyId: string): number {
  const base64 = (bytes: number) => 4 * Math.ceil(bytes / 3)
  return `{"key":"${keyId}","iv":"","data":"","tag":""}`.length + base64(IV_BYTES) + base64(payloadBytes) + base64(TAG_BYTES)
}

/** Why a payload could not be decrypted. */
export type UnsealProblem = 'no-key' | 'tampered'

export class UnsealError extends Error {
  override name = 'UnsealError'
  constructor(
    readonly problem: UnsealProblem,
    message: string,
  ) {
    super(message)
  }
}

/**
 * The payload's JSON text. Throws an UnsealError: `no-key` when the keyring lacks the key it
 * names, `tampered` when the data, tag, IV, job id or job name changed since it was encrypted
 * (or the key of that id is another).
 */
export function openSealedPayload(sealed: SealedPayload, keyring: Keyring | undefined, binding: SealBinding): string {
  const key = keyring && [keyring.current, ...keyring.old].find((candidate) => candidate.id === sealed.key)
  if (key === undefined) {
    const held = keyring ? `KQ_ENCRYPTION_KEY and KQ_ENCRYPTION_OLD_KEYS hold ${[keyring.current, ...keyring.old].map((each) => each.id).join(', ')}` : 'KQ_ENCRYPTION_KEY is not set'
    throw new UnsealError('no-key', `the payload is encrypted with key ${sealed.key}, which this process does not have (${held}): give it that key, in KQ_ENCRYPTION_OLD_KEYS if it is a former one`)
  }

  try {
    const decipher = createDecipheriv(ALGORITHM, key.secret, Buffer.from(sealed.iv, 'base64'), {authTagLength: TAG_BYTES})
    decipher.setAAD(additionalData(binding))
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'))
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8')
  } catch {
    throw new UnsealError('tampered', `the encrypted payload does not authenticate under key ${sealed.key}: it was changed after it was encrypted, or moved from another job`)
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** True for a well-formed `encrypted` field: what the envelope's rules check. */
export function isSealedPayload(value: unknown): value is SealedPayload {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const {key, iv, data, tag} = value as Record<string, unknown>
  return (
    typeof key === 'string' && /^[0-9a-f]{12}$/.test(key) &&
    typeof iv === 'string' && /^[A-Za-z0-9+/]{16}$/.test(iv) &&
    typeof tag === 'string' && /^[A-Za-z0-9+/]{22}==$/.test(tag) &&
    typeof data === 'string' && BASE64.test(data)
  )
}

function additionalData(binding: SealBinding): Buffer {
  return Buffer.from(`kq-job\0${binding.id}\0${binding.job}`, 'utf8')
}
