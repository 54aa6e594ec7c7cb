import {strict as assert} from 'node:assert'

import {loadConfig} from '../../../src/lib/config/index.js'
import {DelayError} from '../../../src/lib/delay/parse.js'
import {Dispatcher} from '../../../src/lib/dispatch/index.js'
import {createQueue, kcatRecords} from '../../support/topics.js'

describe('Dispatcher', function () {
  this.timeout(60_000)

  it('sends concurrent dispatches together and tells each one where it landed, as kcat reads it', async () => {
    const queue = await createQueue('coalesced', 3)
    const dispatcher = new Dispatcher(loadConfig({env: process.env, cwd: '/nonexistent'}))
    try {
      const receipts = await Promise.all(
        Array.from({length: 500}, (_, index) =>
          dispatcher.dispatch({name: 'Track'}, {index}, {queue, key: index % 7 === 0 ? `key-${index % 5}` : undefined}),
        ),
      )
      const where = new Set(receipts.map((receipt) => `${receipt.partition}@${receipt.offset}`))
      assert.equal(where.size, 500, 'two dispatches were given the same partition and offset')
      const records = await kcatRecords(queue)
      assert.equal(records.length, 500)
      const byPlace = new Map(records.map((record) => [`${record.partition}@${record.offset}`, record]))
      for (const receipt of receipts) {
        const record = byPlace.get(`${receipt.partition}@${receipt.offset}`)
        assert.equal(record?.headers['kq-job-id'], receipt.id, `receipt ${receipt.partition}@${receipt.offset} points at another job`)
      }

      // Keyed jobs keep to one partition per key, whatever request carried them.
      const partitionsOfKey = new Map<string, Set<number>>()
      for (const record of records.filter((each) => each.key !== null)) {
        const seen = partitionsOfKey.get(record.key as string) ?? new Set()
        seen.add(record.partition)
        partitionsOfKey.set(record.key as string, seen)
      }

      for (const [key, partitions] of partitionsOfKey) assert.equal(partitions.size, 1, `key ${key} on ${[...partitions]}`)
    } finally {
      await dispatcher.close()
    }
  })

  it('delays a job by seconds, as Laravel does, or by a duration, and sends one due now as an ordinary job', async () => {
    const queue = await createQueue('lib-delay', 2)
    const dispatcher = new Dispatcher(loadConfig({env: process.env, cwd: '/nonexistent'}))
    try {
      const inSeconds = await dispatcher.dispatch({name: 'Remind'}, {}, {queue, delay: 90})
      const inText = await dispatcher.dispatch({name: 'Remind'}, {}, {queue, delay: '10m'})
      const dueNow = await dispatcher.dispatch({name: 'Remind'}, {}, {queue, at: new Date()})
      assert.deepEqual(
        [inSeconds.topic, inText.topic, dueNow.topic],
        [`${queue}-delay-1m`, `${queue}-delay-10m`, queue],
      )
      assert.equal(dueNow.dueAt, undefined)
      const [record] = await kcatRecords(`${queue}-delay-1m`)
      assert.equal(record.headers['kq-not-before'], inSeconds.dueAt)
      await assert.rejects(dispatcher.dispatch({name: 'Remind'}, {}, {queue, delay: -1}), DelayError)
      await assert.rejects(dispatcher.dispatch({name: 'Remind'}, {}, {queue, delay: 1, at: new Date()}), /^DelayError: give either delay or at, not both$/)
    } finally {
      await dispatcher.close()
    }
  })
})
