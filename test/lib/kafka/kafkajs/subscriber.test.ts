import {strict as assert} from 'node:assert'
import {EventEmitter} from 'node:events'
import {setTimeout as sleep} from 'node:timers/promises'

import kafkajs, {type Consumer} from 'kafkajs'

import {BrokerUnreachableError} from '../../../../src/lib/errors.js'
import {KafkaSubscriber} from '../../../../src/lib/kafka/kafkajs/subscriber.js'
import {type SubscriberEvents} from '../../../../src/lib/kafka/types.js'

/**
 * A stand-in for kafkajs's consumer, driven by hand: what the subscriber does when kafkajs
 * reports a crash it will not restart from. (How Kafka behaves is the adapter contract's part,
 * on a real broker; which crash kafkajs restarts from is decided inside kafkajs.)
 */
function standIn() {
  const emitter = new EventEmitter()
  const calls: string[] = []
  const consumer = {
    events: {GROUP_JOIN: 'join', STOP: 'stop', CRASH: 'crash', COMMIT_OFFSETS: 'commit', REBALANCING: 'rebalancing'},
    on: (event: string, listener: (payload: unknown) => void) => emitter.on(event, listener),
    async connect() {
      calls.push('connect')
    },
    async run() {
      calls.push('run')
    },
    async disconnect() {
      calls.push('disconnect')
    },
    pause() {
      calls.push('pause')
    },
    resume() {
      calls.push('resume')
    },
  }
  const crash = (error: Error) => emitter.emit('crash', {payload: {error, groupId: 'g', restart: false}})
  return {consumer: consumer as unknown as Consumer, emitter, calls, crash}
}

const sink = {take: () => 0, ready: () => undefined, room: () => undefined}
// kafkajs's types give this error no constructor arguments; its code passes a message.
const coordinatorNotFound = () => new (kafkajs.KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error)('Failed to find group coordinator')

describe('a subscriber whose consumer crashes', function () {
  this.timeout(10_000)

  it('starts its consumer again when Kafka names no coordinator for a group it had joined, and tells it as a lost broker', async () => {
    const {consumer, emitter, calls, crash} = standIn()
    const subscriber = new KafkaSubscriber(consumer, ['k:9092'], {stopping: false}, 'workers')
    const crashes: Array<SubscriberEvents['crashed']> = []
    subscriber.on('crashed', (event) => crashes.push(event))
    await subscriber.run(sink)
    emitter.emit('join', {payload: {memberAssignment: {}}})
    emitter.emit('stop', {})
    crash(coordinatorNotFound())
    assert.equal(crashes.length, 1)
    assert.ok(crashes[0].error instanceof BrokerUnreachableError, String(crashes[0].error))
    assert.match(crashes[0].error.message, /no coordinator for the consumer group, as while a broker restarts/)
    assert.equal(crashes[0].restarting, true)
    await sleep(1300)
    assert.deepEqual(calls, ['run', 'connect', 'run'])
  })

  it('leaves a lost coordinator before any join to the refusal it most likely is, and does not restart', async () => {
    const {consumer, calls, crash} = standIn()
    const subscriber = new KafkaSubscriber(consumer, ['k:9092'], {stopping: false}, 'workers')
    const crashes: Array<SubscriberEvents['crashed']> = []
    subscriber.on('crashed', (event) => crashes.push(event))
    await subscriber.run(sink)
    crash(coordinatorNotFound())
    assert.equal(crashes[0].error.name, 'AuthorizationError')
    assert.equal(crashes[0].restarting, false)
    await sleep(1300)
    assert.deepEqual(calls, ['run'])
  })

  it('does not restart once stopping, nor for a crash that is no lost coordinator', async () => {
    for (const [lifecycle, error] of [
      [{stopping: true}, coordinatorNotFound()],
      [{stopping: false}, new kafkajs.KafkaJSNonRetriableError('something else broke')],
    ] as const) {
      const {consumer, emitter, calls, crash} = standIn()
      const subscriber = new KafkaSubscriber(consumer, ['k:9092'], lifecycle, 'workers')
      await subscriber.run(sink)
      emitter.emit('join', {payload: {memberAssignment: {}}})
      crash(error)
      await sleep(1300)
      assert.deepEqual(calls, ['run'], error.message)
    }
  })

  it('neither pauses nor resumes once kafkajs stopped its consumer, before it reports the crash', async () => {
    const {consumer, emitter, calls} = standIn()
    const subscriber = new KafkaSubscriber(consumer, ['k:9092'], {stopping: false}, 'workers')
    emitter.emit('join', {payload: {memberAssignment: {}}})
    subscriber.pause([{topic: 'jobs', partition: 0}])
    emitter.emit('stop', {})
    subscriber.resume([{topic: 'jobs', partition: 0}])
    assert.deepEqual(calls, ['pause'])
  })
})
