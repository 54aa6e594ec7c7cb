import {AssertionError, strict as assert} from 'node:assert'
import os from 'node:os'

import {loadConfig} from '../src/lib/config/index.js'
import {Dispatcher, closeDispatch, configureDispatch} from '../src/lib/dispatch/index.js'
import {FatalJobError, Job, type JobContext, jobDefaults} from '../src/lib/jobs/job.js'
import {type StandardSchemaV1} from '../src/lib/schema/standard.js'
import {type FakeQueue, fakeQueue, runFailed, runJob} from '../src/testing.js'
import {closedPort} from './support/ports.js'

interface Greeting {
  name: string
  times?: number
}

class Greet extends Job<Greeting> {
  override tries = 3
  override backoff = [2, 10]

  override async handle(payload: Greeting, ctx: JobContext): Promise<void> {
    for (let i = 0; i < (payload.times ?? 1); i++) ctx.log(`hello ${payload.name} (attempt ${ctx.attempt} of ${ctx.maxTries})`)
    if (payload.name === 'nobody') throw new Error('no one to greet')
    if (payload.name === 'robot') throw new FatalJobError('robots are not greeted')
  }

  override async failed(payload: Greeting, error: unknown, ctx: JobContext): Promise<void> {
    ctx.log(`gave up on ${payload.name}: ${(error as Error).message}`)
  }
}

class Wave extends Job<{at: string}> {
  override queue = 'waves'
  override async handle(): Promise<void> {}
}

class Slow extends Job<null> {
  override timeout = 1
  override async handle(_payload: null, ctx: JobContext): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 60_000).unref())
    ctx.log('never')
  }
}

const named: StandardSchemaV1<unknown, {name: string}> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) =>
      typeof (value as {name?: unknown} | null)?.name === 'string' ? {value: value as {name: string}} : {issues: [{message: 'expected a string', path: ['name']}]},
  },
}

class Secret extends Job<{card: string}> {
  override encrypted = true
  override async handle(): Promise<void> {}
}

class Checked extends Job<{name: string}> {
  override schema = named
  override async handle(): Promise<void> {}
}

describe('kq/testing', () => {
  describe('fakeQueue', () => {
    let queue: FakeQueue

    before(async () => {
      // A broker that is not there: a dispatch that tried to connect would fail.
      await configureDispatch(loadConfig({env: {KAFKA_BROKERS: `127.0.0.1:${await closedPort()}`}, cwd: os.tmpdir()}))
    })

    beforeEach(() => {
      queue = fakeQueue()
    })

    afterEach(() => queue.restore())
    after(async () => closeDispatch())

    it('records Job.dispatch() with payload, queue, key, headers and delay, and opens no connection', async () => {
      const receipt = await Greet.dispatch({name: 'Ada'}, {key: 'user-1', headers: {trace: 't-1'}, delay: '10m'})
      await Wave.dispatch({at: 'noon'})
      assert.equal(receipt.job, 'Greet')
      const [greet] = queue.dispatched(Greet)
      assert.equal(greet.id, receipt.id)
      assert.deepEqual(greet.payload, {name: 'Ada'})
      assert.equal(greet.queue, 'default')
      assert.equal(greet.key, 'user-1')
      assert.deepEqual(greet.headers, {trace: 't-1'})
      assert.equal(greet.delay, 600)
      assert.ok(greet.dueAt instanceof Date)
      assert.equal(greet.topic, 'default-delay-10m')
      assert.deepEqual(queue.dispatched(Wave).map((job) => [job.queue, job.delay, job.key]), [['waves', undefined, null]])
      queue.assertDispatched(Greet)
      queue.assertDispatched(Greet, (job) => job.payload.name === 'Ada' && job.delay === 600)
      queue.assertDispatchedTimes(Greet, 1)
      queue.assertNotDispatched(Slow)
      queue.assertNotDispatched(Greet, (job) => job.payload.name === 'Bob')
    })

    it('records what a Dispatcher sends, one job or in bulk', async () => {
      const dispatcher = new Dispatcher(loadConfig({env: {KAFKA_BROKERS: `127.0.0.1:${await closedPort()}`}, cwd: os.tmpdir()}))
      await dispatcher.dispatch(jobDefaults(Greet), {name: 'Ada'}, {queue: 'greetings'})
      const target = dispatcher.target(jobDefaults(Greet), {})
      const result = await dispatcher.sendBulk(target, [{payloadJson: '{"name":"Bob"}', key: 'b'}, {payloadJson: '{"name":"Cy"}', key: null}], {batchSize: 1})
      await dispatcher.close()
      assert.equal(result.count, 2)
      assert.deepEqual(queue.dispatched(Greet).map((job) => [job.payload.name, job.queue, job.key]), [
        ['Ada', 'greetings', null],
        ['Bob', 'default', 'b'],
        ['Cy', 'default', null],
      ])
    })

    it('records an encrypted job with its payload as the job gets it, and refuses one without a key as a real dispatch does', async () => {
      const broker = `127.0.0.1:${await closedPort()}`
      const keyed = new Dispatcher(loadConfig({env: {KAFKA_BROKERS: broker, KQ_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64')}, cwd: os.tmpdir()}))
      await keyed.dispatch(jobDefaults(Secret), {card: '4242'})
      assert.deepEqual(queue.dispatched(Secret).map((job) => job.payload), [{card: '4242'}])
      const keyless = new Dispatcher(loadConfig({env: {KAFKA_BROKERS: broker}, cwd: os.tmpdir()}))
      await assert.rejects(keyless.dispatch(jobDefaults(Secret), {card: '4242'}), /KQ_ENCRYPTION_KEY is not set/)
    })

    it('still refuses what a real dispatch refuses: a bad delay, a kq- header, a payload the schema rejects', async () => {
      await assert.rejects(Greet.dispatch({name: 'Ada'}, {delay: 'soon'}), {name: 'DelayError'})
      await assert.rejects(Greet.dispatch({name: 'Ada'}, {headers: {'kq-job': 'x'}}), /header kq-job is reserved/)
      await assert.rejects(Checked.dispatch({name: 7} as unknown as {name: string}), {
        name: 'PayloadInvalidError',
        message: 'payload of Checked is invalid at name: expected a string',
      })
      queue.assertNothingDispatched()
    })

    it('fails with an AssertionError that lists what was dispatched', async () => {
      await Greet.dispatch({name: 'Ada'}, {key: 'k'})
      await Greet.dispatch({name: 'Bob'})
      assert.throws(() => queue.assertDispatched(Greet, (job) => job.payload.name === 'Cy'), (error: unknown) => {
        assert.ok(error instanceof AssertionError)
        assert.equal(
          error.message,
          'expected Greet to be dispatched matching the predicate, but these were dispatched:\n' +
            '  - Greet {"name":"Ada"} to queue default (key k)\n' +
            '  - Greet {"name":"Bob"} to queue default',
        )
        return true
      })
      assert.throws(() => queue.assertDispatchedTimes(Greet, 3), /expected Greet to be dispatched 3 times, but it was dispatched 2 times/)
      assert.throws(() => queue.assertNotDispatched(Greet), /expected Greet not to be dispatched, but it was:\n {2}- Greet/)
      assert.throws(() => queue.assertNothingDispatched(), AssertionError)
      assert.throws(() => queue.assertDispatched(Wave), /expected Wave to be dispatched, but these were dispatched/)
      queue.clear()
      assert.throws(() => queue.assertDispatched(Wave), /expected Wave to be dispatched, but nothing was dispatched$/)
    })

    it('stops recording on restore(): dispatch goes to Kafka again', async () => {
      queue.restore()
      await assert.rejects(Greet.dispatch({name: 'Ada'}), {name: 'BrokerUnreachableError'})
      queue.assertNothingDispatched()
    })
  })

  describe('runJob', () => {
    it('runs handle() with a real context and collects its log lines', async () => {
      const run = await runJob(Greet, {name: 'Ada', times: 2}, {attempt: 2})
      assert.equal(run.ok, true)
      assert.deepEqual(run.logs, ['hello Ada (attempt 2 of 3)', 'hello Ada (attempt 2 of 3)'])
      assert.ok(run.durationMs >= 0)
    })

    it('says the worker would retry after the backoff, or dead-letter on the last try', async () => {
      const first = await runJob(Greet, {name: 'nobody'})
      assert.ok(!first.ok)
      assert.equal((first.error as Error).message, 'no one to greet')
      assert.deepEqual(first.next, {action: 'retry', attempt: 2, delayMs: 2000})
      const last = await runJob(Greet, {name: 'nobody'}, {attempt: 3})
      assert.deepEqual(!last.ok && last.next, {action: 'dead-letter', reason: 'exhausted'})
      const fatal = await runJob(Greet, {name: 'robot'})
      assert.deepEqual(!fatal.ok && [fatal.fatal, fatal.next], [true, {action: 'dead-letter', reason: 'fatal'}])
    })

    it('aborts ctx.signal at the timeout and counts the attempt as timed out', async () => {
      const run = await runJob(Slow, null, {maxTries: 1})
      assert.ok(!run.ok)
      assert.deepEqual([run.timedOut, run.next], [true, {action: 'dead-letter', reason: 'timeout'}])
      assert.deepEqual(run.logs, [])
    })

    it('hands the job the signals given', async () => {
      const stop = new AbortController()
      stop.abort()
      let seen: boolean[] = []
      class Peek extends Job<null> {
        override handle(_payload: null, ctx: JobContext): void {
          seen = [ctx.signal.aborted, ctx.stopping.aborted]
        }
      }

      await runJob(Peek, null, {signal: stop.signal, stopping: stop.signal})
      assert.deepEqual(seen, [true, true])
    })

    it('does not run a payload the schema refuses, as the worker would dead-letter it', async () => {
      const run = await runJob(Checked, {name: 1} as unknown as {name: string})
      assert.ok(!run.ok)
      assert.deepEqual([run.ran, run.next], [false, {action: 'dead-letter', reason: 'invalid-payload'}])
    })

    it('runs failed() with the error, via runFailed', async () => {
      const run = await runFailed(Greet, {name: 'Ada'}, new Error('mail server down'))
      assert.deepEqual(run.logs, ['gave up on Ada: mail server down'])
    })
  })
})

// Compiled by tsc with the tests, never run: a wrong payload shape must not compile.
export function payloadTypes(queue: FakeQueue): void {
  // @ts-expect-error: the payload type comes from the job class
  void runJob(Greet, {name: 42})
  // @ts-expect-error: and so does the type of recorded payloads
  queue.assertDispatched(Greet, (job) => job.payload.nickname === 'x')
  // @ts-expect-error: failed() takes the same payload
  void runFailed(Wave, {name: 'Ada'}, new Error('x'))
}
