import {strict as assert} from 'node:assert'

import {
  EnvelopeError,
  createEnvelope,
  decodeEnvelope,
  encodeEnvelope,
  envelopeEncoder,
  jobIdTime,
} from '../../../src/lib/envelope/index.js'

describe('envelopeEncoder', () => {
  const now = () => new Date('2026-11-26T17:30:01.123Z')
  const templates = [
    {job: 'ExampleKafkaJob', queue: 'default'},
    {job: 'SendEmail', queue: 'emails.v2', maxTries: 3, timeout: 30, backoff: [1, 5, 10]},
    {job: '$Odd_Name', queue: 'q-1', backoff: [0]},
  ]
  const payloads: unknown[] = [{data: 'x'}, [1, 'two', null], 'text', 42, true, null, {nested: {emoji: '🎉', quote: '"'}}]

  it('writes the same bytes and headers as createEnvelope and encodeEnvelope', () => {
    for (const template of templates) {
      const encoder = envelopeEncoder(template, {now})
      for (const payload of payloads) {
        const fast = encoder.encode(payload)
        const slow = encodeEnvelope(createEnvelope({...template, payload}, {now, id: fast.id}))
        assert.equal(fast.value.toString(), slow.value.toString())
        assert.deepEqual(fast.headers, slow.headers)
      }
    }
  })

  it('embeds already-parsed JSON text as it is, and the result decodes', () => {
    const encoder = envelopeEncoder({job: 'Track', queue: 'events'}, {now})
    const {value, id} = encoder.encodeJson('{"user": "u1",  "seq": 7}')
    assert.ok(value.toString().endsWith(',"payload":{"user": "u1",  "seq": 7}}'))
    const envelope = decodeEnvelope(value)
    assert.equal(envelope.id, id)
    assert.equal(jobIdTime(id), now().getTime())
    assert.deepEqual(envelope.payload, {user: 'u1', seq: 7})
  })

  it('makes from the payload as bytes the same message as from its text, and none for an encrypted job', () => {
    for (const template of templates) {
      const encoder = envelopeEncoder(template, {now})
      for (const payload of payloads) {
        const payloadJson = JSON.stringify(payload)
        const {id, value} = encoder.messageBytes!(Buffer.from(payloadJson))
        const fromText = encoder.messageJson(payloadJson)
        assert.equal(value.toString(), fromText.json.replace(fromText.id, id))
        assert.deepEqual(decodeEnvelope(value).payload, payload)
      }
    }

    assert.equal(envelopeEncoder({job: 'A', queue: 'q'}, {encryptWith: {id: 'k1', secret: Buffer.alloc(32, 1)}}).messageBytes, undefined)
  })

  it('gives each job its own id', () => {
    const encoder = envelopeEncoder({job: 'Track', queue: 'events'})
    const ids = new Set(Array.from({length: 1000}, () => encoder.encode({}).id))
    assert.equal(ids.size, 1000)
  })

  it('checks the template once, refusing what createEnvelope refuses', () => {
    assert.throws(() => envelopeEncoder({job: '../Evil', queue: 'q'}), EnvelopeError)
    assert.throws(() => envelopeEncoder({job: 'Ok', queue: 'no spaces'}), EnvelopeError)
    assert.throws(() => envelopeEncoder({job: 'Ok', queue: 'q', maxTries: 0}), EnvelopeError)
  })

  it('refuses a payload over the limit, and tells so before building the message', () => {
    const encoder = envelopeEncoder({job: 'Big', queue: 'q'}, {maxBytes: 200})
    const fits = `"${'x'.repeat(50)}"`
    encoder.assertFits(fits)
    encoder.encodeJson(fits)
    const tooBig = `"${'x'.repeat(200)}"`
    assert.throws(() => encoder.assertFits(tooBig), (error: unknown) => error instanceof EnvelopeError && error.problem === 'too-large')
    assert.throws(() => encoder.encodeJson(tooBig), (error: unknown) => error instanceof EnvelopeError && error.problem === 'too-large')
  })

  it('agrees with the real size at the exact limit', () => {
    const probe = envelopeEncoder({job: 'Edge', queue: 'q'}).encodeJson('""').value.length
    const limit = probe + 10
    const encoder = envelopeEncoder({job: 'Edge', queue: 'q'}, {maxBytes: limit})
    const exact = `"${'y'.repeat(10)}"`
    encoder.assertFits(exact)
    assert.equal(encoder.encodeJson(exact).value.length, limit)
    assert.throws(() => encoder.assertFits(`"${'y'.repeat(11)}"`), EnvelopeError)
  })

  it('refuses payloads that are not plain data', () => {
    const encoder = envelopeEncoder({job: 'Ok', queue: 'q'})
    assert.throws(() => encoder.encode(undefined), (error: unknown) => error instanceof EnvelopeError && error.field === 'payload')
    assert.throws(() => encoder.encode({big: 1n}), (error: unknown) => error instanceof EnvelopeError && error.field === 'payload')
  })
})
