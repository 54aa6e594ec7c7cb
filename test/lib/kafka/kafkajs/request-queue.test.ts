import {strict as assert} from 'node:assert'
import {createHook} from 'node:async_hooks'

import {openPublisher, withTopicAdmin} from '../../../../src/lib/kafka/index.js'
import {uniqueTopic} from '../../../support/cli.js'
import {testConnection} from '../../../support/topics.js'

/** The timers made while `work` runs, counted as Node makes them. */
async function timersMadeDuring(work: () => Promise<void>): Promise<number> {
  let made = 0
  const hook = createHook({
    init(_id, type) {
      if (type === 'Timeout') made++
    },
  }).enable()
  try {
    await work()
  } finally {
    hook.disable()
  }

  return made
}

describe("kafkajs's request queue, as kq's clients use it", function () {
  this.timeout(30_000)

  // kafkajs scheduled a check of its waiting requests 1 ms after every response, though none
  // waited: a timer, and a turn of the event loop, for each awaited send.
  it('sets no timer per request when none waits its turn', async () => {
    const topic = uniqueTopic('request-queue')
    await withTopicAdmin(testConnection(), (admin) => admin.createTopics([{name: topic, partitions: 1, replicationFactor: 1}]))
    const publisher = await openPublisher(testConnection())
    try {
      await publisher.send(topic, {value: 'first'})
      const sends = 50
      const timers = await timersMadeDuring(async () => {
        for (let index = 0; index < sends; index++) await publisher.send(topic, {value: String(index)})
      })
      assert.ok(timers < sends / 5, `${timers} timers for ${sends} sends`)
    } finally {
      await publisher.close()
    }
  })
})
