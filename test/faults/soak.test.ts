import {strict as assert} from 'node:assert'

import {FaultRig} from './rig.js'
import {soak} from './soak.js'

/**
 * Half a minute of the soak (`npm run soak` runs 30 minutes and judges memory and lag): a steady
 * stream of dispatches with failures in it, one worker. Timings are not judged here; what is:
 * nothing lost, and a worker that keeps its partitions the whole time, five of its 6 s session
 * timeouts long. A longer run adds nothing that the suite judges; the memory and lag it would
 * show belong to `npm run soak`.
 */
describe('soak: half a minute of steady load on one worker', function () {
  this.timeout(300_000)
  let rig: FaultRig

  before(() => {
    rig = new FaultRig(process.env.KAFKA_BROKERS as string)
  })

  after(async () => rig?.close())

  it('runs or dead-letters every job, and never rebalances', async () => {
    const seconds = 30
    const rate = 200
    const result = await soak(rig, {seconds, rate})
    const detail = JSON.stringify({...result, samples: result.samples.length})
    assert.ok(result.dispatched >= seconds * rate * 0.5, detail)
    assert.equal(result.lost, 0, `lost ${result.lostIds.join(', ')}: ${detail}`)
    assert.equal(result.strangers, 0, detail)
    assert.equal(result.done + result.deadLettered, result.dispatched, detail)
    assert.ok(result.deadLettered > 0, 'no job failed for good: the mix did not reach the dead letters')
    assert.equal(result.rebalances, 0, detail)
    const rss = result.samples.map((sample) => sample.rssMb.toFixed(0)).join(' ')
    process.stdout.write(`      ${result.dispatched} jobs at ${result.rate.achieved}/s, re-run ${result.reRuns}; worker RSS MB every 5 s: ${rss}\n`)
  })
})
