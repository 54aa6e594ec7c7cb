import {strict as assert} from 'node:assert'
import {setTimeout as sleep} from 'node:timers/promises'

import {FatalJobError, Job, type JobContext} from '../../../src/lib/jobs/job.js'
import {type AttemptOutcome, Deadlines, JobTimeoutError, runAttempt} from '../../../src/lib/worker/attempt.js'

type Handle = (payload: unknown, ctx: JobContext) => Promise<unknown> | unknown

/** A job whose handle() is the given function. */
function jobThat(handle: Handle): Job<unknown> {
  return new (class extends Job<unknown> {
    handle(payload: unknown, ctx: JobContext) {
      return handle(payload, ctx)
    }
  })()
}

function contextFor(overrides: Partial<Omit<JobContext, 'signal'>> = {}): Omit<JobContext, 'signal'> {
  return {
    id: '01890a5d-ac96-774b-bcce-b302099a8057',
    job: 'SendEmail',
    queue: 'emails',
    attempt: 2,
    maxTries: 3,
    stopping: new AbortController().signal,
    log() {},
    ...overrides,
  }
}

function failed(outcome: AttemptOutcome): Extract<AttemptOutcome, {ok: false}> {
  assert.equal(outcome.ok, false, 'expected the attempt to fail')
  return outcome as Extract<AttemptOutcome, {ok: false}>
}

describe('runAttempt', () => {
  it('succeeds when the job returns, sync or async', async () => {
    for (const handle of [() => 'done', async () => 'done', () => undefined]) {
      const outcome = await runAttempt(jobThat(handle), {}, contextFor(), 1)
      assert.equal(outcome.ok, true)
    }
  })

  it('measures the attempt from start to end, failed ones too', async () => {
    const done = await runAttempt(jobThat(() => sleep(30)), {}, contextFor(), 1)
    const failure = await runAttempt(jobThat(async () => {
      await sleep(30)
      throw new Error('late failure')
    }), {}, contextFor(), 1)
    // Timers never fire early by more than the clock's rounding: a lower bound cannot flake.
    assert.ok(done.durationMs >= 25, `done after ${done.durationMs} ms`)
    assert.ok(failure.durationMs >= 25, `failed after ${failure.durationMs} ms`)
  })

  it('gives the job its payload and every field of its context, plus a live signal', async () => {
    const stopping = new AbortController()
    const log = () => {}
    const given = contextFor({id: 'job-id', job: 'Report', queue: 'reports', attempt: 3, maxTries: 5, stopping: stopping.signal, log})
    let seen: {payload: unknown; ctx: JobContext} | undefined
    await runAttempt(jobThat((payload, ctx) => {
      seen = {payload, ctx}
    }), {userId: 42}, given, 1)

    assert.ok(seen)
    assert.deepEqual(seen.payload, {userId: 42})
    const {signal, ...rest} = seen.ctx
    assert.deepEqual(rest, given)
    assert.equal(rest.stopping, stopping.signal)
    assert.equal(rest.log, log)
    assert.ok(signal instanceof AbortSignal)
    assert.equal(signal.aborted, false)
  })

  it('turns a synchronous throw into a failed outcome', async () => {
    const error = new Error('sync boom')
    const outcome = failed(await runAttempt(jobThat(() => {
      throw error
    }), {}, contextFor(), 1))
    assert.equal(outcome.error, error)
    assert.equal(outcome.timedOut, false)
    assert.equal(outcome.fatal, false)
  })

  it('turns a rejection into a failed outcome', async () => {
    const error = new TypeError('async boom')
    const outcome = failed(await runAttempt(jobThat(async () => {
      await sleep(1)
      throw error
    }), {}, contextFor(), 1))
    assert.equal(outcome.error, error)
    assert.equal(outcome.timedOut, false)
    assert.equal(outcome.fatal, false)
  })

  it('keeps whatever non-Error value the job throws', async () => {
    for (const thrown of ['text', undefined, null, 42, {code: 'E_NOPE'}]) {
      const outcome = failed(await runAttempt(jobThat(() => {
        throw thrown
      }), {}, contextFor(), 1))
      assert.equal(outcome.error, thrown)
      assert.equal(outcome.timedOut, false)
      assert.equal(outcome.fatal, false)
    }
  })

  it('never throws, whatever the job does', async () => {
    const handles: Handle[] = [
      () => {
        throw undefined
      },
      () => Promise.reject(new Error('rejected')),
      () => Promise.reject('text'),
      () => new Promise(() => {}),
    ]
    const outcomes = await Promise.all(handles.map((handle) => runAttempt(jobThat(handle), {}, contextFor(), 0.05)))
    assert.deepEqual(outcomes.map((outcome) => outcome.ok), [false, false, false, false])
  })

  it('fails a job that runs past its timeout, aborting its signal with a JobTimeoutError', async () => {
    let signal: AbortSignal | undefined
    let finished = false
    const outcome = failed(await runAttempt(jobThat(async (_, ctx) => {
      signal = ctx.signal
      // Unref'd: the job goes on in the background, and must not hold the test run open.
      await sleep(2000, undefined, {ref: false})
      finished = true
    }), {}, contextFor(), 0.05))

    assert.equal(finished, false, 'the outcome came only after the job finished')
    assert.equal(outcome.timedOut, true)
    assert.equal(outcome.fatal, false)
    assert.ok(outcome.error instanceof JobTimeoutError)
    assert.equal(outcome.error.seconds, 0.05)
    assert.match(outcome.error.message, /timeout of 0\.05s/)
    assert.ok(signal)
    assert.equal(signal.aborted, true)
    assert.equal(signal.reason, outcome.error)
  })

  it('gives up on a job that never settles at its timeout', async () => {
    let signal: AbortSignal | undefined
    const attempt = runAttempt(jobThat((_, ctx) => {
      signal = ctx.signal
      return new Promise(() => {})
    }), {}, contextFor(), 0.05)
    const outcome = await Promise.race([attempt, sleep(2000, undefined, {ref: false}).then(() => 'still waiting' as const)])

    assert.notEqual(outcome, 'still waiting')
    const failure = failed(outcome as AttemptOutcome)
    assert.equal(failure.timedOut, true)
    assert.ok(failure.error instanceof JobTimeoutError)
    assert.equal(signal?.reason, failure.error)
  })

  it('lets a job that honours its signal stop with the timeout as its error', async () => {
    const outcome = failed(await runAttempt(jobThat((_, ctx) => new Promise((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))
    })), {}, contextFor(), 0.05))
    assert.equal(outcome.timedOut, true)
    assert.ok(outcome.error instanceof JobTimeoutError)
  })

  it('does not abort the signal of a job that finished in time', async () => {
    let signal: AbortSignal | undefined
    const outcome = await runAttempt(jobThat((_, ctx) => {
      signal = ctx.signal
    }), {}, contextFor(), 0.05)
    assert.equal(outcome.ok, true)
    await sleep(100)
    assert.equal(signal?.aborted, false)
  })

  it('waits the whole timeout of a job with a timeout longer than a timer can hold', async () => {
    // Node fires a timer of more than 2^31-1 ms at once; a 30-day timeout must not mean 1 ms.
    const outcome = await runAttempt(jobThat(() => sleep(20)), {}, contextFor(), 30 * 24 * 3600)
    assert.equal(outcome.ok, true)
  })

  it('marks a FatalJobError as fatal', async () => {
    const error = new FatalJobError('card declined')
    const outcome = failed(await runAttempt(jobThat(async () => {
      throw error
    }), {}, contextFor(), 1))
    assert.equal(outcome.error, error)
    assert.equal(outcome.fatal, true)
    assert.equal(outcome.timedOut, false)
  })

  it('marks a FatalJobError from another copy of kq as fatal, by its brand', async () => {
    // Another copy's class is not ours: only the brand it carries says what it is.
    const otherCopy = Object.assign(new Error('card declined'), {name: 'FatalJobError', [Symbol.for('kq.FatalJobError')]: true})
    const plainObject = {message: 'card declined', [Symbol.for('kq.FatalJobError')]: true}
    for (const error of [otherCopy, plainObject]) {
      const outcome = failed(await runAttempt(jobThat(() => {
        throw error
      }), {}, contextFor(), 1))
      assert.equal(outcome.error, error)
      assert.equal(outcome.fatal, true)
      assert.equal(outcome.timedOut, false)
      assert.ok(!(outcome.error instanceof FatalJobError))
    }
  })

  it('does not mark an error as fatal for its name alone, or for a false brand', async () => {
    const named = new Error('card declined')
    named.name = 'FatalJobError'
    const unbranded = Object.assign(new Error('x'), {[Symbol.for('kq.FatalJobError')]: false})
    for (const error of [named, unbranded, {[Symbol.for('kq.FatalJobError')]: 'yes'}]) {
      const outcome = failed(await runAttempt(jobThat(() => {
        throw error
      }), {}, contextFor(), 1))
      assert.equal(outcome.fatal, false)
    }
  })
})

describe('attempt deadlines', () => {
  it('keeps only the deadlines of what still runs, however many attempts finished before their time', () => {
    const deadlines = new Deadlines()
    const made = Array.from({length: 10_000}, () => deadlines.add(60_000, () => assert.fail('expired')))
    const slow = deadlines.add(60_000, () => assert.fail('expired'))
    for (const deadline of made) deadlines.cancel(deadline)
    assert.equal(deadlines.pending, 1, 'the slow one, still running')
    deadlines.cancel(slow)
    assert.equal(deadlines.pending, 0)
  })

  it('keeps a finished deadline behind a running one until that one ends, then drops both', () => {
    const deadlines = new Deadlines()
    const first = deadlines.add(60_000, () => {})
    const second = deadlines.add(60_000, () => {})
    deadlines.cancel(second)
    assert.equal(deadlines.pending, 2)
    deadlines.cancel(first)
    assert.equal(deadlines.pending, 0)
  })

  it('expires what runs past its time', async () => {
    const deadlines = new Deadlines()
    const expired: string[] = []
    const done = deadlines.add(20, () => expired.push('done'))
    deadlines.add(20, () => expired.push('late'))
    deadlines.cancel(done)
    await sleep(60)
    assert.deepEqual(expired, ['late'])
    assert.equal(deadlines.pending, 0)
  })
})

describe('runAttempt, with middleware', () => {
  it('reports a release as a release, neither a failure nor a timeout, without running the job', async () => {
    let ran = false
    const job = new (class extends Job<unknown> {
      override middleware() {
        return [(_payload: unknown, ctx: {release(seconds: number, reason?: string): never}) => ctx.release(2.5, 'busy')]
      }

      handle() {
        ran = true
      }
    })()
    const outcome = failed(await runAttempt(job, {}, contextFor(), 1, {key: null, share: 1, store: new Map()}))
    assert.deepEqual(outcome.released, {delayMs: 2500, reason: 'busy'})
    assert.equal(outcome.fatal, false)
    assert.equal(outcome.timedOut, false)
    assert.equal(ran, false)
  })

  it('fails the attempt of a job whose middleware() does not return a list of functions', async () => {
    const job = new (class extends Job<unknown> {
      override middleware() {
        return ['rateLimited'] as never
      }

      handle() {}
    })()
    const outcome = failed(await runAttempt(job, {}, contextFor(), 1))
    assert.match(String(outcome.error), /middleware\(\) of SendEmail must return an array of middleware functions/)
    assert.equal(outcome.released, undefined)
  })
})
