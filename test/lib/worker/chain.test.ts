import {strict as assert} from 'node:assert'

import {createEnvelope} from '../../../src/lib/envelope/index.js'
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
    const next = nextInChain({...first, attempt: 2}, now)!
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
    const last = nextInChain(nextInChain(first, now)!.envelope, now)!
    assert.equal(last.key, null)
    assert.equal(last.envelope.chain, undefined)
    assert.equal(nextInChain(last.envelope, now), undefined)
  })

  it('makes the catch job with which job failed, its payload and its error', () => {
    const caught = chainCatchJob(first, new TypeError('bad frame'), now)!
    assert.equal(caught.queue, 'media')
    assert.equal(caught.envelope.job, 'ChainFailed')
    assert.deepEqual(caught.envelope.payload, {job: 'Transcode', id: first.id, payload: {id: 7}, error: {name: 'TypeError', message: 'bad frame'}})
    assert.equal(caught.envelope.chain, undefined)
    assert.equal(chainCatchJob(createEnvelope({job: 'Alone', queue: 'q', payload: 1}), new Error('x'), now), undefined)
  })
})
