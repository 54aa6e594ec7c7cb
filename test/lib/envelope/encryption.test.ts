import {strict as assert} from 'node:assert'
import {randomBytes} from 'node:crypto'

import {
  type Keyring,
  UnsealError,
  decodeEnvelope,
  encodeEnvelope,
  encryptionKey,
  envelopeEncoder,
  openPayload,
  parseKeyText,
} from '../../../src/lib/envelope/index.js'
import {sealPayload, sealedJsonLength} from '../../../src/lib/envelope/encryption.js'

const key = encryptionKey(Buffer.alloc(32, 1))
const former = encryptionKey(Buffer.alloc(32, 2))
const keyring: Keyring = {current: key, old: []}

function encryptedJob(payload: unknown, options: {with?: typeof key} = {}) {
  const encoder = envelopeEncoder({job: 'ChargeCard', queue: 'billing'}, {encryptWith: options.with ?? key})
  return encoder.encode(payload)
}

describe('encrypted payloads', () => {
  it('hides the payload on the wire, keeps the job readable, and names the key in a header', () => {
    const {value, headers, id} = encryptedJob({card: '4242 4242 4242 4242'})
    const text = value.toString('utf8')
    assert.ok(!text.includes('4242'), text)
    const envelope = decodeEnvelope(value)
    assert.deepEqual([envelope.job, envelope.id, envelope.payload, envelope.encrypted?.key], ['ChargeCard', id, undefined, key.id])
    assert.equal(headers['kq-key-id'], key.id)
  })

  it('decrypts with the key, to the payload as dispatched', () => {
    const envelope = decodeEnvelope(encryptedJob({card: '4242', amounts: [1, 2.5], note: 'é ✓'}).value)
    assert.deepEqual(openPayload(envelope, keyring), {card: '4242', amounts: [1, 2.5], note: 'é ✓'})
  })

  it('decrypts a job encrypted with a former key listed among the old keys', () => {
    const envelope = decodeEnvelope(encryptedJob('rotated', {with: former}).value)
    assert.equal(openPayload(envelope, {current: key, old: [former]}), 'rotated')
    assert.throws(() => openPayload(envelope, keyring), (error: UnsealError) => error.problem === 'no-key' && error.message.includes(former.id))
  })

  it('says the key is missing when there is none', () => {
    const envelope = decodeEnvelope(encryptedJob(1).value)
    assert.throws(() => openPayload(envelope, undefined), /encrypted with key \w{12}, which this process does not have \(KQ_ENCRYPTION_KEY is not set\)/)
  })

  it('refuses data changed after encryption, and a payload moved into another job', () => {
    const envelope = decodeEnvelope(encryptedJob({amount: 100}).value)
    const sealed = envelope.encrypted!
    const data = Buffer.from(sealed.data, 'base64')
    data[0] ^= 1
    const tampered = {...envelope, encrypted: {...sealed, data: data.toString('base64')}}
    assert.throws(() => openPayload(tampered, keyring), (error: UnsealError) => error.problem === 'tampered')
    const moved = decodeEnvelope(encodeEnvelope({...decodeEnvelope(encryptedJob(2).value), encrypted: sealed}).value)
    assert.throws(() => openPayload(moved, keyring), /does not authenticate under key/)
    const renamed = {...envelope, job: 'RefundCard'}
    assert.throws(() => openPayload(renamed, keyring), /does not authenticate/)
  })

  it('refuses a key of the same id that is another', () => {
    const envelope = decodeEnvelope(encryptedJob('x').value)
    const impostor = {id: key.id, secret: randomBytes(32)}
    assert.throws(() => openPayload(envelope, {current: impostor, old: []}), /does not authenticate/)
  })

  it('keeps a retry encrypted, with its key header', () => {
    const envelope = decodeEnvelope(encryptedJob({secret: 'kept'}).value)
    const retry = encodeEnvelope({...envelope, attempt: 2})
    assert.ok(!retry.value.toString().includes('kept'))
    assert.equal(retry.headers['kq-key-id'], key.id)
    assert.deepEqual(openPayload(decodeEnvelope(retry.value), keyring), {secret: 'kept'})
  })

  it('checks the size of the encrypted message, exactly', () => {
    const payloadJson = JSON.stringify({text: 'x'.repeat(500)})
    const encoder = envelopeEncoder({job: 'A', queue: 'q'}, {encryptWith: key})
    const size = encoder.encodeJson(payloadJson).value.length
    assert.doesNotThrow(() => envelopeEncoder({job: 'A', queue: 'q'}, {encryptWith: key, maxBytes: size}).assertFits(payloadJson))
    assert.throws(() => envelopeEncoder({job: 'A', queue: 'q'}, {encryptWith: key, maxBytes: size - 1}).assertFits(payloadJson), /more than the/)
    const sealed = sealPayload(payloadJson, key, {id: 'i', job: 'A'})
    assert.equal(JSON.stringify(sealed).length, sealedJsonLength(Buffer.byteLength(payloadJson), key.id))
  })

  it('reads a key written as openssl rand -base64 32 prints it, or after base64:, and nothing else', () => {
    const secret = randomBytes(32)
    assert.deepEqual(parseKeyText(secret.toString('base64')), secret)
    assert.deepEqual(parseKeyText(`base64:${secret.toString('base64')}`), secret)
    assert.equal(parseKeyText(randomBytes(16).toString('base64')), undefined)
    assert.equal(parseKeyText('correct horse battery staple'), undefined)
    assert.equal(parseKeyText(secret.toString('hex')), undefined)
  })

  it('names a key by an id that differs between keys and gives nothing away', () => {
    assert.match(key.id, /^[0-9a-f]{12}$/)
    assert.notEqual(key.id, former.id)
    assert.equal(encryptionKey(Buffer.alloc(32, 1)).id, key.id)
  })
})
