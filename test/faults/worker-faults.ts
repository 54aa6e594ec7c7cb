import {setTimeout as sleep} from 'node:timers/promises'

import {type WorkerProcess} from '../support/worker-process.js'
import {type FaultRig} from './rig.js'
import {type FaultResult, type FaultSize, SIZES} from './scenarios.js'

/** Waits until `count` jobs finished; fails with the worker's output if it exits first. */
export async function untilDone(rig: FaultRig, ledger: string, count: number, workers: WorkerProcess[], timeoutMs = 240_000): Promise<void> {
  const reached = await rig.waitUntil(() => {
    const dead = workers.find((worker) => worker.child.exitCode !== null)
    if (dead) throw new Error(`a worker exited (${dead.child.exitCode}) before ${count} jobs were done:\n${dead.stdout}\n${dead.stderr}`)
    return rig.doneCount(ledger) >= count
  }, timeoutMs)
  if (!reached) throw new Error(`only ${rig.doneCount(ledger)} of ${count} jobs were done after ${timeoutMs / 1000}s`)
}

/**
 * Runs the last worker with --stop-when-empty until the queue is drained, retries included, and
 * tallies. Whatever it leaves undone counts as lost.
 */
export async function drainAndTally(
  rig: FaultRig,
  target: {queue: string; group: string; ledger: string},
  options: {scenario: string; started: number; concurrency?: number; env?: NodeJS.ProcessEnv; notes?: string[]},
): Promise<FaultResult> {
  const {queue, group, ledger} = target
  const last = rig.startWorker(queue, group, {ledger, concurrency: options.concurrency, env: options.env, args: ['--stop-when-empty']})
  // The deadline is cancelled once the worker exits: a pending timer would hold the test run open.
  const deadline = new AbortController()
  const ended = await Promise.race([last.exited, sleep(300_000, undefined, {signal: deadline.signal}).catch(() => undefined)])
  deadline.abort()
  const notes = [...(options.notes ?? [])]
  if (ended === undefined) notes.push('the last worker did not drain within 300 s')
  else if (ended.code !== 0) notes.push(`the last worker exited ${ended.code}: ${last.stderr.trim().split('\n').at(-1)}`)
  await last.stop('SIGKILL')
  const result = await rig.tally(queue, ledger)
  return {scenario: options.scenario, seconds: (Date.now() - options.started) / 1000, notes, ...result}
}

/** kill -9 of the only worker, `kills` times during the drain, each time a new one started. */
export async function killWorker(rig: FaultRig, size: FaultSize, concurrency: number): Promise<FaultResult> {
  const started = Date.now()
  const {jobs, kills} = SIZES[size]
  const {queue, group} = await rig.newQueue('fault-kill', {partitions: 3})
  await rig.dispatch(queue, {count: jobs, failOnce: 0.05})
  const ledger = rig.ledgerFile()
  const env = {JOB_SLEEP_MS: '2'}
  for (let kill = 1; kill <= kills; kill++) {
    const worker = rig.startWorker(queue, group, {ledger, concurrency, env})
    await untilDone(rig, ledger, Math.floor((jobs * kill) / (kills + 1)), [worker])
    await worker.stop('SIGKILL')
  }

  return drainAndTally(rig, {queue, group, ledger}, {scenario: `kill -9 the worker ${kills}x, concurrency ${concurrency}`, started, concurrency, env})
}

/** Three workers on six partitions; two of them killed -9 at once, `rounds` times, and replaced. */
export async function killSeveralWorkers(rig: FaultRig, size: FaultSize): Promise<FaultResult> {
  const started = Date.now()
  const {jobs, rounds} = SIZES[size]
  const total = jobs * 2
  const {queue, group} = await rig.newQueue('fault-several', {partitions: 6})
  await rig.dispatch(queue, {count: total, failOnce: 0.05})
  const ledger = rig.ledgerFile()
  const env = {JOB_SLEEP_MS: '2'}
  const start = () => rig.startWorker(queue, group, {ledger, concurrency: 4, env})
  let workers = [start(), start(), start()]
  for (let round = 1; round <= rounds; round++) {
    await untilDone(rig, ledger, Math.floor((total * round) / (rounds + 1)), workers)
    const [survivor, ...killed] = workers
    await Promise.all(killed.map(async (worker) => worker.stop('SIGKILL')))
    workers = [survivor, start(), start()]
  }

  await Promise.all(workers.map(async (worker) => worker.stop('SIGTERM')))
  return drainAndTally(rig, {queue, group, ledger}, {scenario: `3 workers on 6 partitions, 2 killed -9 at once, ${rounds}x`, started, env})
}

/** SIGTERM mid-burst, `stops` times: running jobs finish and commit, so nothing may run twice. */
export async function stopWorkerGracefully(rig: FaultRig, size: FaultSize): Promise<FaultResult> {
  const started = Date.now()
  const {jobs, stops} = SIZES[size]
  const {queue, group} = await rig.newQueue('fault-sigterm', {partitions: 3})
  await rig.dispatch(queue, {count: jobs, failOnce: 0.05})
  const ledger = rig.ledgerFile()
  const env = {JOB_SLEEP_MS: '10'}
  for (let stop = 1; stop <= stops; stop++) {
    const worker = rig.startWorker(queue, group, {ledger, env})
    await untilDone(rig, ledger, Math.floor((jobs * stop) / (stops + 1)), [worker])
    const {code} = await worker.stop('SIGTERM')
    if (code !== 0) throw new Error(`a worker stopped by SIGTERM exited ${code}: ${worker.stderr}`)
  }

  return drainAndTally(rig, {queue, group, ledger}, {scenario: `SIGTERM mid-burst ${stops}x`, started, env})
}

/**
 * Dead letters replayed by `kq dlt:replay`, killed -9 once it has started writing, then run
 * again: every dead-lettered job must run in the end.
 */
export async function killReplay(rig: FaultRig, size: FaultSize): Promise<FaultResult> {
  const started = Date.now()
  const {replayed} = SIZES[size]
  const {queue, group} = await rig.newQueue('fault-replay', {partitions: 3})
  await rig.dispatch(queue, {count: replayed * 2, fatal: 0.5})
  const ledger = rig.ledgerFile()
  const failing = rig.startWorker(queue, group, {ledger, env: {FATAL_FAILS: '1'}, args: ['--stop-when-empty']})
  if ((await failing.exited).code !== 0) throw new Error(`the first worker failed: ${failing.stderr}`)
  const letters = await rig.recordCount(`${queue}-dlt`)
  if (letters !== replayed) throw new Error(`expected ${replayed} dead letters, found ${letters}`)

  const queued = await rig.recordCount(queue)
  const replay = rig.startReplay(queue, group)
  const writing = await rig.waitUntil(async () => (await rig.recordCount(queue)) > queued || replay.child.exitCode !== null, 60_000)
  const notes: string[] = []
  if (replay.child.exitCode === null && writing) {
    await replay.stop('SIGKILL')
    notes.push(`replay killed after ${(await rig.recordCount(queue)) - queued} of ${replayed} were written back`)
  } else {
    notes.push('the replay ended before it could be killed')
  }

  const again = await rig.kq(['dlt:replay', queue, '--group', group, '--yes'], {timeoutMs: 120_000})
  if (again.code !== 0) throw new Error(`the second replay failed: ${again.stderr}`)
  const result = await drainAndTally(rig, {queue, group, ledger}, {scenario: 'kill -9 during dlt:replay', started, notes})
  // Replayed letters are done now; any still waiting as a dead letter was not replayed: lost.
  return {...result, lost: result.lost + result.deadLettered, deadLettered: 0}
}
