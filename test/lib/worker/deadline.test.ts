import {strict as assert} from 'node:assert'

import {settlesWithin} from '../../../src/lib/worker/deadline.js'

describe('settlesWithin', () => {
  it('says true for work that ends in time, whether it succeeds or fails', async () => {
    assert.equal(await settlesWithin(Promise.resolve('done'), 1000), true)
    assert.equal(await settlesWithin(Promise.reject(new Error('refused')), 1000), true)
  })

  it('says false for work still running at the deadline, and leaves it running', async () => {
    let finish!: () => void
    const work = new Promise<void>((resolve) => {
      finish = resolve
    })
    assert.equal(await settlesWithin(work, 10), false)
    finish()
    await work
  })
})
