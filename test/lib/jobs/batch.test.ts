import {strict as assert} from 'node:assert'

import {batch} from '../../../src/lib/jobs/batch.js'
import {Job} from '../../../src/lib/jobs/job.js'
import {type StandardSchemaV1} from '../../../src/lib/schema/standard.js'
import {fakeQueue} from '../../../src/testing.js'

class Resize extends Job<{image: number}> {
  override schema: StandardSchemaV1<unknown, {image: number}> = {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: (value) =>
        typeof (value as {image?: unknown})?.image === 'number' ? {value: value as {image: number}} : {issues: [{message: 'expected a number', path: ['image']}]},
    },
  }

  override handle(): void {}
}

class AlbumReady extends Job<unknown> {
  override handle(): void {}
}

class Unique extends Job<{id: number}> {
  override uniqueId(payload: {id: number}): string {
    return String(payload.id)
  }

  override handle(): void {}
}

describe('batch() at dispatch', () => {
  it('sends every job at once, each carrying the batch id, on the batch’s queue', async () => {
    const queue = fakeQueue()
    try {
      const receipt = await batch([Resize.with({image: 1}), Resize.with({image: 2})]).onQueue('images').then(AlbumReady).dispatch()
      assert.equal(receipt.total, 2)
      assert.deepEqual(receipt.jobs.map((job) => job.queue), ['images', 'images'])
      queue.assertDispatchedTimes(Resize, 2)
      assert.ok(queue.all.every((job) => job.batch === receipt.id && job.queue === 'images'))
      queue.assertNotDispatched(AlbumReady)
    } finally {
      queue.restore()
    }
  })

  it('checks every job before sending any: a payload a job refuses sends nothing', async () => {
    const queue = fakeQueue()
    try {
      await assert.rejects(batch([Resize.with({image: 1}), Resize.with({image: 'x'} as never)]).dispatch(), /payload of Resize is invalid at image: expected a number/)
      await assert.rejects(batch([]).dispatch(), /a batch needs at least one job/)
      await assert.rejects(batch([Resize.with({image: 1}), Unique.with({id: 7})]).dispatch(), /Unique is a unique job, which a batch cannot hold/)
      queue.assertNothingDispatched()
    } finally {
      queue.restore()
    }
  })

  it('says .dispatch() is missing when a batch is awaited without it, sending nothing', async () => {
    const queue = fakeQueue()
    try {
      // await takes the batch for a promise (it has a then), and hands then() its resolve function,
      // as a JavaScript caller's `await batch([...]).then(Done)` does (TypeScript refuses to compile it).
      const forgotten = Promise.resolve(batch([Resize.with({image: 1})]).then(AlbumReady) as unknown)
      await assert.rejects(forgotten, {
        name: 'TypeError',
        message: 'a batch is sent by .dispatch(), and was awaited without it: end it with .dispatch(), as in await batch([...]).then(Done).dispatch()',
      })
      assert.throws(() => batch([Resize.with({image: 1})]).catch({} as never), /^TypeError: batch\(\)\.catch\(\) takes a job class \(a class that extends Job\), got object$/)
      queue.assertNothingDispatched()
    } finally {
      queue.restore()
    }
  })
})
