import {setTimeout as sleep} from 'node:timers/promises'

import {type FaultCluster} from './cluster.js'
import {type FaultRig} from './rig.js'
import {type FaultResult, type FaultSize, SIZES} from './scenarios.js'
import {drainAndTally, untilDone} from './worker-faults.js'

/** Long enough that the worker waits for Kafka to come back rather than giving up. */
const PATIENT = ['--broker-timeout', '300']

/** The single broker killed -9 mid-drain and restarted, then stopped cleanly and restarted. */
export async function restartBroker(rig: FaultRig, cluster: FaultCluster, size: FaultSize): Promise<FaultResult> {
  const started = Date.now()
  const {jobs, downSeconds} = SIZES[size]
  const {queue, group} = await rig.newQueue('fault-broker', {partitions: 3})
  await rig.dispatch(queue, {count: jobs, failOnce: 0.05})
  const ledger = rig.ledgerFile()
  const env = {JOB_SLEEP_MS: '5'}
  const worker = rig.startWorker(queue, group, {ledger, env, args: PATIENT})
  await untilDone(rig, ledger, Math.floor(jobs / 3), [worker])
  await cluster.kill(await cluster.nodeIds())
  await sleep(downSeconds * 1000)
  await cluster.restart()
  await untilDone(rig, ledger, Math.floor((jobs * 2) / 3), [worker])
  await cluster.stopCleanly()
  await sleep(downSeconds * 1000)
  await cluster.restart()
  // The same worker goes on: what a restart costs is what runs again, not a stop meanwhile.
  await untilDone(rig, ledger, jobs, [worker])
  await worker.stop('SIGTERM')
  return drainAndTally(rig, {queue, group, ledger}, {scenario: 'single broker: kill -9 and restart, then clean stop and restart, mid-drain', started, env})
}

/**
 * Three nodes, replication 3: the leader of a partition killed -9 while a bulk dispatch writes to
 * it, brought back, then the new leader killed while a worker drains.
 */
export async function loseLeader(rig: FaultRig, cluster: FaultCluster, size: FaultSize): Promise<FaultResult> {
  const started = Date.now()
  const {jobs} = SIZES[size]
  const {queue, group} = await rig.newQueue('fault-leader', {partitions: 3, replication: 3})
  const notes: string[] = []
  // Small batches, so that the dispatch is still writing when its leader dies.
  const dispatching = rig.dispatchFile(queue, rig.jobsFile({count: jobs, failOnce: 0.05}), ['--batch-size', '20'])
  await rig.waitUntil(async () => (await rig.recordCount(queue)) > 0, 60_000)
  await cluster.kill([await cluster.leaderOf(queue)])
  const sent = await dispatching
  await cluster.restart()
  // Every line of a dispatch that exited 0 was acknowledged (acks=all): each must be on the topic.
  const acknowledgedMissing = sent.code === 0 ? jobs - new Set(await rig.dispatchedSeqs(queue)).size : 0
  notes.push(sent.code === 0 ? 'the dispatch went on through the new leader' : `the dispatch stopped: ${sent.stderr.trim()}`)

  const dispatched = new Set(await rig.dispatchedIds(queue)).size
  const ledger = rig.ledgerFile()
  const env = {JOB_SLEEP_MS: '5'}
  const worker = rig.startWorker(queue, group, {ledger, env, args: PATIENT})
  await untilDone(rig, ledger, Math.floor(jobs / 3), [worker])
  await cluster.kill([await cluster.leaderOf(queue)])
  await untilDone(rig, ledger, Math.floor((jobs * 2) / 3), [worker])
  await cluster.restart()
  await untilDone(rig, ledger, dispatched, [worker])
  await worker.stop('SIGTERM')
  const result = await drainAndTally(rig, {queue, group, ledger}, {scenario: '3 nodes, RF 3: partition leader killed -9 mid-dispatch and mid-drain', started, env, notes})
  return {...result, acknowledgedMissing}
}

/** Three nodes: two killed -9 for a while (no controller quorum), then brought back, mid-drain. */
export async function loseQuorum(rig: FaultRig, cluster: FaultCluster, size: FaultSize): Promise<FaultResult> {
  const started = Date.now()
  const {jobs, quorumLostSeconds} = SIZES[size]
  const {queue, group} = await rig.newQueue('fault-quorum', {partitions: 3, replication: 3})
  await rig.dispatch(queue, {count: jobs, failOnce: 0.05})
  const ledger = rig.ledgerFile()
  const env = {JOB_SLEEP_MS: '5'}
  const worker = rig.startWorker(queue, group, {ledger, env, args: PATIENT})
  await untilDone(rig, ledger, Math.floor(jobs / 3), [worker])
  const [, ...others] = await cluster.nodeIds()
  await cluster.kill(others)
  await sleep(quorumLostSeconds * 1000)
  await cluster.restart()
  await untilDone(rig, ledger, jobs, [worker])
  await worker.stop('SIGTERM')
  return drainAndTally(rig, {queue, group, ledger}, {scenario: `3 nodes: 2 killed -9 for ${quorumLostSeconds} s (quorum lost), then back, mid-drain`, started, env})
}

/** What `kq dispatch` said and did while its broker was down, or died under it. */
export interface DispatchWhileDown {
  /** A single dispatch to a stopped broker. */
  single: {code: number; stderr: string; seconds: number}
  /** A bulk dispatch to a stopped broker. */
  bulkRefused: {code: number; stderr: string; seconds: number}
  /** A bulk dispatch whose broker was killed -9 part way. */
  bulkCut: {code: number; stderr: string; lines: number; onTopic: number; seqsOnTopic: Set<number>}
}

export async function dispatchWhileDown(rig: FaultRig, cluster: FaultCluster, size: FaultSize): Promise<DispatchWhileDown> {
  const {queue} = await rig.newQueue('fault-down', {partitions: 3})
  const env = {KAFKA_CONNECT_TIMEOUT: '3', KAFKA_SEND_TIMEOUT: '5'}
  await cluster.stopCleanly()
  const timed = async (run: () => Promise<{code: number; stderr: string}>) => {
    const at = Date.now()
    const {code, stderr} = await run()
    return {code, stderr, seconds: (Date.now() - at) / 1000}
  }

  const single = await timed(async () => rig.kq(['dispatch', 'Ledgered', '{"seq":0,"user":"u0"}', '--queue', queue], {env}))
  const bulkRefused = await timed(async () => rig.dispatchFile(queue, rig.jobsFile({count: 10}), [], env))
  await cluster.restart()

  const lines = SIZES[size].bulk
  const cutting = rig.dispatchFile(queue, rig.jobsFile({count: lines}), ['--batch-size', '500'], env)
  await rig.waitUntil(async () => (await rig.recordCount(queue)) > 0, 60_000)
  await cluster.kill(await cluster.nodeIds())
  const cut = await cutting
  await cluster.restart()
  const onTopic = await rig.dispatchedSeqs(queue)
  return {single, bulkRefused, bulkCut: {code: cut.code, stderr: cut.stderr, lines, onTopic: onTopic.length, seqsOnTopic: new Set(onTopic)}}
}
