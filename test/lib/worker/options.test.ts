import {strict as assert} from 'node:assert'

import {loadConfig} from '../../../src/lib/config/index.js'
import {type WorkerOptions, workerOptions} from '../../../src/lib/worker/options.js'

/** Loads with only the given environment and no .env file. */
function config(env: Record<string, string> = {}) {
  return loadConfig({env, cwd: '/nonexistent-dir'})
}

describe('workerOptions', () => {
  it('works KAFKA_QUEUE in KAFKA_CONSUMER_GROUP when told nothing else', () => {
    const options = workerOptions(config({KAFKA_QUEUE: 'emails', KAFKA_CONSUMER_GROUP: 'billing-workers'}))
    assert.deepEqual(options.queues, ['emails'])
    assert.equal(options.group, 'billing-workers')
  })

  it('refuses a queue named twice, as make:supervisor does', () => {
    assert.throws(() => workerOptions(config(), {queues: ['high', 'default', 'high']}), {
      name: 'UsageError',
      message: 'queue list high,default,high names a queue twice: name each once, highest priority first',
    })
  })

  it('uses the documented defaults for everything else', () => {
    assert.deepEqual(workerOptions(config()), {
      queues: ['default'],
      group: 'kq-workers',
      tries: 1,
      backoff: [],
      timeout: 60,
      concurrency: 1,
      retryInPlace: false,
      stopWhenEmpty: false,
      fromBeginning: false,
      sessionTimeout: 10,
      brokerTimeout: 60,
      prefetch: 1000,
      unknownJobGrace: 300,
      rest: 0,
      force: false,
      metricsHost: '127.0.0.1',
    })
  })

  it('fetches ahead ten jobs per slot, and at least a thousand', () => {
    assert.equal(workerOptions(config(), {concurrency: 8}).prefetch, 1000)
    assert.equal(workerOptions(config(), {concurrency: 200}).prefetch, 2000)
    assert.equal(workerOptions(config(), {concurrency: 200, prefetch: 50}).prefetch, 50)
  })

  it('leaves the limits unset, meaning unlimited', () => {
    const options = workerOptions(config())
    assert.equal(options.maxJobs, undefined)
    assert.equal(options.maxTime, undefined)
    assert.equal(options.memory, undefined)
  })

  it('lets every given value win over its default', () => {
    const given: WorkerOptions = {
      queues: ['emails', 'reports'],
      group: 'other-group',
      metricsPort: 9400,
      metricsHost: '0.0.0.0',
      tries: 3,
      backoff: [1, 5, 10],
      timeout: 120,
      concurrency: 8,
      retryInPlace: true,
      maxJobs: 100,
      maxTime: 3600,
      memory: 512,
      stopWhenEmpty: true,
      fromBeginning: true,
      sessionTimeout: 45,
      brokerTimeout: 10,
      prefetch: 64,
      unknownJobGrace: 0,
      rest: 1,
      force: true,
      name: 'mailer-1',
    }
    assert.deepEqual(workerOptions(config({KAFKA_QUEUE: 'ignored'}), given), given)
  })

  it('does not let an undefined value override a default', () => {
    // What `kq work` passes for every flag left out.
    const options = workerOptions(config({KAFKA_QUEUE: 'emails'}), {
      queues: undefined,
      group: undefined,
      tries: undefined,
      backoff: undefined,
      timeout: undefined,
      concurrency: undefined,
      retryInPlace: undefined,
      maxJobs: undefined,
      stopWhenEmpty: undefined,
      sessionTimeout: undefined,
    })
    assert.deepEqual(options, workerOptions(config({KAFKA_QUEUE: 'emails'})))
    assert.ok(!('maxJobs' in options))
  })

  it('keeps falsy values that were given: false and 0 are choices, not gaps', () => {
    const options = workerOptions(config(), {retryInPlace: false, tries: 1, maxJobs: 0, backoff: [0]})
    assert.equal(options.retryInPlace, false)
    assert.equal(options.maxJobs, 0)
    assert.deepEqual(options.backoff, [0])
  })

  it('gives each worker its own lists', () => {
    const first = workerOptions(config())
    first.queues.push('changed')
    first.backoff.push(9)
    const second = workerOptions(config())
    assert.deepEqual(second.queues, ['default'])
    assert.deepEqual(second.backoff, [])
  })
})
