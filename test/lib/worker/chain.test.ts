import {strict as assert} from 'node:assert'

import {type Keyring, createEnvelope, encodeEnvelope, encryptionKey, openChainSteps, openPayload, sealChainSteps, sealEnvelopePayload} from '../../../src/lib/envelope/index.js'
import {chainCatchJob, nextInChain} from '../../../src/lib/worker/chain.js'

const now = new Date('2026-12-01T09:00:00.000Z')

describe('chains, in the worker', () => {
  const first = createEnvelope({
    job: 'Transcode',
    queue: 'media',
    payload: {id: 7},
    chain: [
      {job: 'Publish', queue: 'media', payload: {id: 7}, key: 'film-7', maxTries: 3},
      {job: 'Notify', queue: 'emails', payload: {to: 'ada'}},
    ],
    chainCatch: {job: 'ChainFailed', queue: 'media'},
  })

  it('makes the next job a new first attempt on its queue, carrying the rest of the chain and its catch job', () => {
    const next = nextInChain({...first, attempt: 2}, first.chain!, now)!
    assert.equal(next.queue, 'media')
    assert.equal(next.key, 'film-7')
    const {id, ...rest} = next.envelope
    assert.notEqual(id, first.id)
    assert.deepEqual(rest, {
      kq: 1,
      job: 'Publish',
      queue: 'media',
      attempt: 1,
      dispatchedAt: '2026-12-01T09:00:00.000Z',
      maxTries: 3,
      chain: [{job: 'Notify', queue: 'emails', payload: {to: 'ada'}}],
      chainCatch: {job: 'ChainFailed', queue: 'media'},
      payload: {id: 7},
    })
    const second = nextInChain(first, first.chain!, now)!.envelope
    const last = nextInChain(second, second.chain!, now)!
    assert.equal(last.key, null)
    assert.equal(last.envelope.chain, undefined)
    assert.equal(nextInChain(last.envelope, [], now), undefined)
  })

  it('makes the catch job with which job failed, its payload and its error', () => {
    const caught = chainCatchJob(first, first.payload, new TypeError('bad frame'), now)!
    assert.equal(caught.queue, 'media')
    assert.equal(caught.envelope.job, 'ChainFailed')
    assert.deepEqual(caught.envelope.payload, {job: 'Transcode', id: first.id, payload: {id: 7}, error: {name: 'TypeError', message: 'bad frame'}})
    assert.equal(caught.envelope.chain, undefined)
    assert.equal(chainCatchJob(createEnvelope({job: 'Alone', queue: 'q', payload: 1}), 1, new Error('x'), now), undefined)
  })

  it('encrypts the catch job of an encrypted job that failed, since its failure holds that job’s payload', () => {
    const key = encryptionKey(Buffer.alloc(32, 7))
    const failed = sealEnvelopePayload({...first, job: 'Charge', payload: {card: '4242'}}, key)
    const caught = chainCatchJob(failed, {card: '4242'}, new Error('declined'), now, key)!.envelope
    assert.ok(!encodeEnvelope(caught).value.toString('utf8').includes('4242'))
    assert.deepEqual((openPayload(caught, {current: key, old: []}) as {payload: unknown}).payload, {card: '4242'})
  })

  it('encrypts the next job’s payload, and the steps after it, again for the job that carries them now', () => {
    const key = encryptionKey(Buffer.alloc(32, 7))
    const keyring: Keyring = {current: key, old: []}
    const made = createEnvelope({job: 'Transcode', queue: 'media', payload: {id: 7}})
    const steps = [
      {job: 'Charge', queue: 'billing', payload: {card: '4242-a'}, seal: true},
      {job: 'Charge', queue: 'billing', payload: {card: '4242-b'}, seal: true},
    ]
    const done = {...made, chain: sealChainSteps(steps, made.id, () => key)}

    const next = nextInChain(done, openChainSteps(done.chain, done.id, keyring), now, key)!.envelope
    assert.ok(!encodeEnvelope(next).value.toString('utf8').includes('4242'))
    assert.deepEqual(openPayload(next, keyring), {card: '4242-a'})
    assert.deepEqual(openChainSteps(next.chain!, next.id, keyring), [steps[1]])
    const last = nextInChain(next, openChainSteps(next.chain!, next.id, keyring), now, key)!.envelope
    assert.deepEqual([openPayload(last, keyring), last.chain], [{card: '4242-b'}, undefined])
  })
})
