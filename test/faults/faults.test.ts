import {strict as assert} from 'node:assert'

import {ExitCode} from '../../src/lib/errors.js'
import {sharedTrio} from '../support/trio.js'
import {dispatchWhileDown, loseLeader, loseQuorum, restartBroker} from './broker-faults.js'
import {FaultCluster} from './cluster.js'
import {faultTable} from './report.js'
import {FaultRig} from './rig.js'
import {type FaultResult, SIZES} from './scenarios.js'
import {killReplay, killSeveralWorkers, killWorker, stopWorkerGracefully} from './worker-faults.js'

/**
 * The fault suite at the size CI runs (`npm run faults` runs the full size and writes
 * bench/results/faults.md): real workers and real brokers killed, a ledger of what ran, and
 * the promise checked each time: every dispatched job ran or waits as a dead letter.
 */
describe('fault suite: nothing lost when workers and brokers die', function () {
  this.timeout(600_000)
  const results: FaultResult[] = []

  after(() => {
    if (results.length > 0) process.stdout.write(`\n${faultTable(results)}\n\n`)
  })

  function assertNothingLost(result: FaultResult, expected: number): void {
    results.push(result)
    const detail = `${result.scenario}: ${JSON.stringify(result)}`
    assert.equal(result.dispatched, expected, detail)
    assert.equal(result.lost, 0, `lost ${result.lost}, among them ${result.lostIds.join(', ')}: ${detail}`)
    assert.equal(result.strangers, 0, detail)
    assert.equal(result.done + result.deadLettered, result.dispatched, detail)
  }

  describe('workers killed', () => {
    let rig: FaultRig

    before(() => {
      rig = new FaultRig(process.env.KAFKA_BROKERS as string)
    })

    after(async () => rig?.close())

    it('runs every job of a queue whose worker is killed -9 again and again', async () => {
      assertNothingLost(await killWorker(rig, 'ci', 8), SIZES.ci.jobs)
    })

    it('runs every job when two of three workers are killed -9 at once', async () => {
      assertNothingLost(await killSeveralWorkers(rig, 'ci'), SIZES.ci.jobs * 2)
    })

    it('runs every job exactly once across SIGTERMs mid-burst', async () => {
      const result = await stopWorkerGracefully(rig, 'ci')
      assertNothingLost(result, SIZES.ci.jobs)
      assert.equal(result.reRuns, 0, `a graceful stop re-ran ${result.ranTwice} jobs`)
    })

    it('runs every dead-lettered job once replayed, though the replay was killed -9 part way', async () => {
      assertNothingLost(await killReplay(rig, 'ci'), SIZES.ci.replayed * 2)
    })
  })

  describe('a single broker that dies', () => {
    let cluster: FaultCluster
    let rig: FaultRig

    before(async function () {
      this.timeout(300_000)
      cluster = await FaultCluster.start('faults-single', 1)
      rig = new FaultRig(cluster.brokers)
    })

    after(async function () {
      this.timeout(120_000)
      await rig?.close()
      await cluster?.remove()
    })

    it('runs every job though the broker is killed -9, then stopped, mid-drain', async () => {
      assertNothingLost(await restartBroker(rig, cluster, 'ci'), SIZES.ci.jobs)
    })

    it('refuses a dispatch to a stopped broker in one line, and says which lines a cut bulk dispatch sent', async () => {
      const {single, bulkRefused, bulkCut} = await dispatchWhileDown(rig, cluster, 'ci')
      for (const refused of [single, bulkRefused]) {
        assert.equal(refused.code, ExitCode.Unreachable, refused.stderr)
        assert.equal(refused.stderr.trimEnd().split('\n').length, 1, refused.stderr)
        assert.match(refused.stderr, /^Error: cannot reach Kafka at /)
      }

      assert.notEqual(bulkCut.code, 0, 'the bulk dispatch finished before its broker was killed')
      assert.equal(bulkCut.stderr.trimEnd().split('\n').length, 1, bulkCut.stderr)
      const said = /(?:lines 1-(\d+) were sent \(\d+ jobs\)|no line was sent), lines (\d+)-(\d+) \(\d+ jobs\) may have been sent in part/.exec(bulkCut.stderr)
      assert.ok(said, bulkCut.stderr)
      const lastSent = Number(said[1] ?? 0)
      const lastUncertain = Number(said[3])
      // Line n holds seq n - 1: every line it says was sent is on the topic, none past the batch in doubt.
      for (let seq = 0; seq < lastSent; seq++) assert.ok(bulkCut.seqsOnTopic.has(seq), `line ${seq + 1} was said sent but is not on the topic`)
      for (const seq of bulkCut.seqsOnTopic) assert.ok(seq < lastUncertain, `line ${seq + 1} is on the topic but was said not sent`)
      assert.ok(bulkCut.onTopic < bulkCut.lines)
      process.stdout.write(`      single: ${single.seconds.toFixed(1)} s, bulk refused: ${bulkRefused.seconds.toFixed(1)} s; cut: ${bulkCut.stderr.trim()}\n`)
    })
  })

  describe('three nodes losing a leader, then a quorum', () => {
    let cluster: FaultCluster
    let rig: FaultRig

    before(async function () {
      this.timeout(300_000)
      cluster = FaultCluster.shared(await sharedTrio())
      rig = new FaultRig(cluster.brokers)
    })

    after(async function () {
      this.timeout(120_000)
      await rig?.close()
      await cluster?.remove()
    })

    it('runs every job though a partition leader is killed -9 mid-dispatch and mid-drain', async () => {
      const result = await loseLeader(rig, cluster, 'ci')
      // What reached Kafka is what counts: a dispatch stopped by the fault said which lines it sent.
      assertNothingLost(result, result.dispatched)
      assert.ok(result.dispatched > 0)
      // kafkajs alone resolved such a dispatch with 4-7 of its 1,500 jobs never sent.
      assert.equal(result.acknowledgedMissing, 0, 'jobs of a dispatch that exited 0 are not on the topic')
    })

    it('runs every job though two of three nodes are killed for a while', async () => {
      assertNothingLost(await loseQuorum(rig, cluster, 'ci'), SIZES.ci.jobs)
    })
  })
})
