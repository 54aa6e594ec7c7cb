import {strict as assert} from 'node:assert'

import {chain} from '../../../src/lib/jobs/chain.js'
import {Job} from '../../../src/lib/jobs/job.js'
import {type StandardSchemaV1} from '../../../src/lib/schema/standard.js'
import {fakeQueue} from '../../../src/testing.js'

class Transcode extends Job<{id: number}> {
  override handle(): void {}
}

class Publish extends Job<{id: number}> {
  override queue = 'publishing'
  override schema: StandardSchemaV1<unknown, {id: number}> = {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: (value) => (typeof (value as {id?: unknown})?.id === 'number' ? {value: value as {id: number}} : {issues: [{message: 'expected a number', path: ['id']}]}),
    },
  }

  override handle(): void {}
}

class Unique extends Job<{id: number}> {
  override uniqueId(payload: {id: number}): string {
    return String(payload.id)
  }

  override handle(): void {}
}

describe('chain() at dispatch', () => {
  it('sends the first job only, carrying the others by name, on the chain’s queue', async () => {
    const queue = fakeQueue()
    try {
      const receipt = await chain([Transcode.with({id: 7}), Publish.with({id: 7})]).onQueue('media').dispatch()
      assert.equal(receipt.queue, 'media')
      assert.equal(queue.all.length, 1)
      queue.assertDispatched(Transcode, (job) => job.queue === 'media' && job.chain?.join() === 'Publish')
    } finally {
      queue.restore()
    }
  })

  it('checks every job before sending any: a payload a later job refuses sends nothing', async () => {
    const queue = fakeQueue()
    try {
      await assert.rejects(chain([Transcode.with({id: 7}), Publish.with({id: 'x'} as never)]).dispatch(), /payload of Publish is invalid at id: expected a number/)
      await assert.rejects(chain([]).dispatch(), /a chain needs at least one job/)
      await assert.rejects(chain([Transcode.with({id: 7}), Unique.with({id: 7})]).dispatch(), /Unique is a unique job, which a chain cannot hold/)
      queue.assertNothingDispatched()
    } finally {
      queue.restore()
    }
  })
})
