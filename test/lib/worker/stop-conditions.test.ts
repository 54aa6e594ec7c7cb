import {strict as assert} from 'node:assert'

import {type StopReason} from '../../../src/lib/worker/events.js'
import {type StopConditionsDeps, StopConditions} from '../../../src/lib/worker/stop-conditions.js'

/** StopConditions on a clock the test turns by hand: what it stopped for, and what it waits for. */
function rig(given: Partial<StopConditionsDeps['options']>, drained: boolean[] = []) {
  const options = {stopWhenEmpty: false, ...given}
  const stops: StopReason[] = []
  const waiting: Array<{ms: number; action: () => void | Promise<void>}> = []
  const conditions = new StopConditions({
    options,
    stop: (reason) => stops.push(reason),
    stopping: () => stops.length > 0,
    after: (ms, action) => waiting.push({ms, action}),
    drained: async () => drained.shift() ?? false,
  })
  const tick = async () => {
    const next = waiting.shift()
    assert.ok(next, 'nothing was waiting')
    await next.action()
    return next.ms
  }

  return {conditions, stops, waiting, tick}
}

describe('when a worker stops on its own', () => {
  it('stops once --max-jobs jobs have run, not before', () => {
    const {conditions, stops} = rig({maxJobs: 3})
    conditions.afterJob(1)
    conditions.afterJob(2)
    assert.deepEqual(stops, [])
    conditions.afterJob(3)
    assert.deepEqual(stops, ['max-jobs'])
  })

  it('stops after a job once the process is over --memory', () => {
    const {conditions, stops} = rig({memory: 1})
    conditions.afterJob(1)
    assert.deepEqual(stops, ['memory'])
    const roomy = rig({memory: 1_000_000})
    roomy.conditions.afterJob(1)
    assert.deepEqual(roomy.stops, [])
  })

  it('stops after --max-time seconds', async () => {
    const {conditions, stops, tick} = rig({maxTime: 5})
    conditions.start()
    assert.equal(await tick(), 5000)
    assert.deepEqual(stops, ['max-time'])
  })

  it('with --stop-when-empty, looks ten times a second until everything is worked out, then stops', async () => {
    const {conditions, stops, waiting, tick} = rig({stopWhenEmpty: true}, [false, false, true])
    conditions.start()
    assert.equal(await tick(), 100)
    assert.equal(await tick(), 100)
    assert.deepEqual(stops, [])
    await tick()
    assert.deepEqual(stops, ['empty'])
    assert.equal(waiting.length, 0)
  })

  it('with --stop-when-empty, asks at once when the worker runs out of work, not at the next look', async () => {
    const {conditions, stops} = rig({stopWhenEmpty: true}, [true])
    conditions.start()
    conditions.outOfWork()
    await Promise.resolve()
    assert.deepEqual(stops, ['empty'])
  })

  it('asks again when the worker runs out of work while an earlier answer is on its way', async () => {
    const answers: Array<(drained: boolean) => void> = []
    const stops: StopReason[] = []
    const conditions = new StopConditions({
      options: {stopWhenEmpty: true},
      stop: (reason) => stops.push(reason),
      stopping: () => stops.length > 0,
      after: () => {},
      drained: async () => new Promise<boolean>((resolve) => answers.push(resolve)),
    })
    conditions.outOfWork()
    conditions.outOfWork()
    assert.equal(answers.length, 1, 'one question at a time')
    answers[0](false)
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(answers.length, 2, 'the first answer may predate the second time it ran out of work')
    answers[1](true)
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(stops, ['empty'])
  })

  it('does not ask when the worker runs out of work without --stop-when-empty', async () => {
    const {conditions, stops, waiting} = rig({}, [true])
    conditions.start()
    conditions.outOfWork()
    await Promise.resolve()
    assert.deepEqual(stops, [])
    assert.equal(waiting.length, 0)
  })

  it('sets nothing up without limits, and stops looking once stopping for another reason', async () => {
    const idle = rig({})
    idle.conditions.start()
    idle.conditions.afterJob(1_000_000)
    assert.deepEqual(idle.stops, [])
    assert.equal(idle.waiting.length, 0)

    const {conditions, stops, waiting, tick} = rig({stopWhenEmpty: true, maxJobs: 1})
    conditions.start()
    conditions.afterJob(1)
    await tick()
    assert.deepEqual(stops, ['max-jobs'])
    assert.equal(waiting.length, 0)
  })
})
