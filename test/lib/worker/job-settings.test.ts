import {strict as assert} from 'node:assert'

import {MAX_TIMEOUT_SECONDS, resolveJobSettings} from '../../../src/lib/worker/job-settings.js'

const WORKER = {tries: 1, backoff: [], timeout: 60}

describe('the settings a job runs with', () => {
  it("are the worker's when neither the message nor the job class sets them", () => {
    assert.deepEqual(resolveJobSettings({}, {}, {tries: 4, backoff: [2, 8], timeout: 30}), {maxTries: 4, backoff: [2, 8], timeout: 30})
  })

  it("are the job class's over the worker's", () => {
    assert.deepEqual(resolveJobSettings({}, {tries: 3, backoff: [1, 5], timeout: 10}, WORKER), {maxTries: 3, backoff: [1, 5], timeout: 10})
  })

  it("are the message's over the job class's and the worker's", () => {
    const settings = resolveJobSettings({maxTries: 5, backoff: [9], timeout: 2}, {tries: 3, backoff: [1, 5], timeout: 10}, WORKER)
    assert.deepEqual(settings, {maxTries: 5, backoff: [9], timeout: 2})
  })

  it('are chosen one by one: a message with tries only takes its backoff and timeout from the class', () => {
    const settings = resolveJobSettings({maxTries: 5}, {backoff: 7, timeout: 10}, {tries: 2, backoff: [1], timeout: 60})
    assert.deepEqual(settings, {maxTries: 5, backoff: [7], timeout: 10})
  })

  it("take a job class's single backoff value as a list of one", () => {
    assert.deepEqual(resolveJobSettings({}, {backoff: 3}, WORKER).backoff, [3])
  })

  it("ignore a job class's nonsense values, as if unset", () => {
    for (const tries of [0, -1, 1.5, Number.NaN, '3', null]) {
      assert.equal(resolveJobSettings({}, {tries}, {...WORKER, tries: 2}).maxTries, 2, `tries ${String(tries)}`)
    }

    for (const timeout of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, '10']) {
      assert.equal(resolveJobSettings({}, {timeout}, WORKER).timeout, 60, `timeout ${String(timeout)}`)
    }

    for (const backoff of [[], [1, -1], [Number.NaN], -1, '5', [1, '5']]) {
      assert.deepEqual(resolveJobSettings({}, {backoff}, {...WORKER, backoff: [4]}).backoff, [4], `backoff ${JSON.stringify(backoff)}`)
    }
  })

  it('accept a backoff of zero seconds from the job class', () => {
    assert.deepEqual(resolveJobSettings({}, {backoff: [0, 0]}, {...WORKER, backoff: [4]}).backoff, [0, 0])
  })

  it('cap the timeout at a week, whoever set it, so that a timer can hold it', () => {
    assert.equal(MAX_TIMEOUT_SECONDS, 7 * 24 * 3600)
    assert.equal(resolveJobSettings({timeout: 30 * 24 * 3600}, {}, WORKER).timeout, MAX_TIMEOUT_SECONDS)
    assert.equal(resolveJobSettings({}, {timeout: 1e9}, WORKER).timeout, MAX_TIMEOUT_SECONDS)
    assert.equal(resolveJobSettings({}, {}, {...WORKER, timeout: 1e9}).timeout, MAX_TIMEOUT_SECONDS)
  })
})
