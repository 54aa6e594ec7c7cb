import {type EncryptionKey, type Keyring, type SealBinding, UnsealError, isSealedPayload, openSealedPayload, sealPayload} from '../envelope/encryption.js'

/**
 * A failure header of an encrypted job, encrypted as its payload is: an error's message and stack
 * often quote the payload (`card 4111… declined`), and the headers travel with the retry and the
 * dead letter, readable by anyone who may read the topic. Pure but for the IV.
 *
 * Written as `kq-sealed:<key id>.<iv>.<data>.<tag>` (base64 has no dot), bound to the job's id and
 * name and to the header's name, so a sealed value cannot be moved to another job or header.
 */
const PREFIX = 'kq-sealed:'

export interface TextSeal {
  key: EncryptionKey
  binding: SealBinding
}

export function sealText(text: string, header: string, seal: TextSeal): string {
  const sealed = sealPayload(text, seal.key, bindingFor(seal.binding, header))
  return `${PREFIX}${sealed.key}.${sealed.iv}.${sealed.data}.${sealed.tag}`
}

export function isSealedText(value: string): boolean {
  return value.startsWith(PREFIX)
}

/**
 * The text of a header as a reader shows it: a sealed one opened where the key is here, else
 * named as encrypted with the key it needs. A plain one as it is.
 */
export function shownText(value: string, header: string, keyring: Keyring | undefined, binding: SealBinding | undefined): string {
  if (!isSealedText(value)) return value
  const [key, iv, data, tag] = value.slice(PREFIX.length).split('.')
  const sealed = {key, iv, data, tag}
  if (!isSealedPayload(sealed)) return '(encrypted, unreadable)'
  if (keyring === undefined || binding === undefined) return `(encrypted with key ${sealed.key})`
  try {
    return openSealedPayload(sealed, keyring, bindingFor(binding, header))
  } catch (error) {
    if (error instanceof UnsealError && error.problem === 'no-key') return `(encrypted with key ${sealed.key}, which this process does not have)`
    return '(encrypted, does not authenticate)'
  }
}

function bindingFor(binding: SealBinding, header: string): SealBinding {
  return {id: binding.id, job: `${binding.job}\0${header}`}
}
