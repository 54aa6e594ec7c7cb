import {strict as assert} from 'node:assert'

import {
  type Keyring,
  type OpenChainStep,
  UnsealError,
  createEnvelope,
  decodeEnvelope,
  encodeEnvelope,
  encryptionKey,
  openChainSteps,
  openPayload,
  sealChainSteps,
  sealEnvelopePayload,
} from '../../../src/lib/envelope/index.js'

const key = encryptionKey(Buffer.alloc(32, 1))
const keyring: Keyring = {current: key, old: []}
const steps: OpenChainStep[] = [
  {job: 'ChargeCard', queue: 'billing', payload: {card: '4242-one'}, seal: true, maxTries: 3},
  {job: 'SendReceipt', queue: 'emails', payload: {to: 'ada'}},
  {job: 'ChargeCard', queue: 'billing', payload: {card: '4242-two'}, seal: true},
]

/** A chain's first job carrying `steps`, its own payload encrypted, as it goes over the wire and comes back. */
function carrier() {
  const made = createEnvelope({job: 'ChargeCard', queue: 'billing', payload: {card: '4242-first'}})
  const envelope = sealEnvelopePayload({...made, chain: sealChainSteps(steps, made.id, () => key)}, key)
  const {value, headers} = encodeEnvelope(envelope)
  return {text: value.toString('utf8'), headers, decoded: decodeEnvelope(value)}
}

describe('encrypted chains', () => {
  it('encrypts the job’s own payload and every encrypted step’s on the wire; other steps stay readable', () => {
    const {text, headers, decoded} = carrier()
    assert.ok(!text.includes('4242'), text)
    assert.equal(headers['kq-key-id'], key.id)
    assert.deepEqual(decoded.chain?.map((step) => [step.job, step.payload, step.encrypted?.key]), [
      ['ChargeCard', undefined, key.id],
      ['SendReceipt', {to: 'ada'}, undefined],
      ['ChargeCard', undefined, key.id],
    ])
    assert.equal(decoded.chain?.[0].maxTries, 3)
  })

  it('decrypts the job and its steps with the key, to the payloads as dispatched', () => {
    const {decoded} = carrier()
    assert.deepEqual(openPayload(decoded, keyring), {card: '4242-first'})
    assert.deepEqual(openChainSteps(decoded.chain!, decoded.id, keyring), steps)
  })

  it('refuses a step moved to another place, or into another job’s chain', () => {
    const {decoded} = carrier()
    const [first, second, third] = decoded.chain!
    assert.throws(() => openChainSteps([third, second, first], decoded.id, keyring), (error: unknown) => error instanceof UnsealError && error.problem === 'tampered')
    const other = carrier().decoded
    assert.throws(() => openChainSteps(decoded.chain!, other.id, keyring), /does not authenticate/)
    // Nor may a step's payload pass for the job's own.
    assert.throws(() => openPayload({...decoded, encrypted: first.encrypted}, keyring), /does not authenticate/)
  })

  it('says which key is missing, for a worker without it', () => {
    const {decoded} = carrier()
    assert.throws(() => openChainSteps(decoded.chain!, decoded.id, undefined), (error: unknown) => error instanceof UnsealError && error.problem === 'no-key')
  })

  it('leaves a chain without an encrypted step as it is', () => {
    const plain = [{job: 'SendReceipt', queue: 'emails', payload: {to: 'ada'}}]
    assert.equal(openChainSteps(plain, 'any', undefined), plain)
  })

  it('refuses a step with both a payload and an encrypted one, or with neither', () => {
    const {decoded} = carrier()
    const [first] = decoded.chain!
    const both = JSON.stringify({...decoded, chain: [{...first, payload: {card: 'x'}}]})
    assert.throws(() => decodeEnvelope(both), /"chain"/)
    const neither = JSON.stringify({...decoded, chain: [{job: 'SendReceipt', queue: 'emails'}]})
    assert.throws(() => decodeEnvelope(neither), /"chain"/)
  })
})
