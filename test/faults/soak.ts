import {readFileSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'

import {loadConfig} from '../../src/lib/config/index.js'
import {Dispatcher} from '../../src/lib/dispatch/index.js'
import {withTopicAdmin} from '../../src/lib/kafka/index.js'
import {type FaultRig} from './rig.js'
import {type Tally} from './tally.js'

/** One reading of a soak run, every `sampleSeconds`. */
export interface SoakSample {
  /** Seconds since the start. */
  at: number
  /** The worker's resident memory, MB. */
  rssMb: number
  /** Jobs dispatched to the queue and not yet committed by the group. */
  lag: number
  dispatched: number
}

export interface SoakResult extends Tally {
  seconds: number
  rate: {asked: number; achieved: number}
  samples: SoakSample[]
  /** Group assignments the worker printed after its first: a steady worker has none. */
  rebalances: number
  /** Median RSS of the last fifth of the run against that of its second fifth (after warm-up), - 1. */
  rssDrift: number
  /** Mean lag of the last quarter of the run less that of its first quarter. */
  lagGrowth: number
}

/**
 * A steady load for `seconds`: jobs dispatched from this process at `rate` a second (2 % fail
 * their first attempt, 0.5 % fail for good), one worker working them; its memory and the
 * group's lag read every few seconds. At the end the dispatching stops, the worker drains, and
 * the ledger is tallied: nothing may be lost there either.
 */
export async function soak(rig: FaultRig, options: {seconds: number; rate: number; sampleSeconds?: number}): Promise<SoakResult> {
  const started = Date.now()
  const {queue, group} = await rig.newQueue('soak', {partitions: 3})
  const ledger = rig.ledgerFile()
  const env = {FATAL_FAILS: '1', LEDGER_FSYNC: '0'}
  const worker = rig.startWorker(queue, group, {ledger, concurrency: 8, env})
  await worker.waitFor('the worker joined', ({stdout}) => /Partitions: /.test(stdout))

  const dispatcher = new Dispatcher(loadConfig({env: {...process.env, KAFKA_BROKERS: rig.brokers}, cwd: rig.app.root}))
  const target = dispatcher.target({name: 'Ledgered'}, {queue})
  const connection: Connection = {brokers: rig.brokers.split(','), clientId: 'kq-soak', connectTimeoutMs: 5000, ssl: false}
  const samples: SoakSample[] = []
  let dispatched = 0
  const tickMs = 100
  const perTick = Math.max(1, Math.round((options.rate * tickMs) / 1000))
  const end = started + options.seconds * 1000
  let nextSample = Date.now()
  while (Date.now() < end) {
    const tickStart = Date.now()
    const lines = Array.from({length: perTick}, (_, index) => {
      const seq = dispatched + index
      const fail = seq % 200 === 7 ? 'fatal' : seq % 50 === 3 ? 'once' : undefined
      return {payloadJson: JSON.stringify({seq, user: `u${seq % 60}`, ...(fail && {fail})}), key: `u${seq % 60}`}
    })
    await dispatcher.sendBulk(target, lines, {batchSize: perTick})
    dispatched += perTick
    if (Date.now() >= nextSample) {
      nextSample += (options.sampleSeconds ?? 5) * 1000
      samples.push({at: (Date.now() - started) / 1000, rssMb: rssMb(worker.child.pid as number), lag: await lagOf(connection, queue, group), dispatched})
    }

    if (worker.child.exitCode !== null) throw new Error(`the worker exited (${worker.child.exitCode}) during the soak: ${worker.stderr}`)
    await sleep(Math.max(0, tickMs - (Date.now() - tickStart)))
  }

  const seconds = (Date.now() - started) / 1000
  await dispatcher.close()
  await rig.waitUntil(async () => (await lagOf(connection, queue, group)) === 0, 120_000)
  const behind = await lagOf(connection, queue, group)
  if (behind > 0) {
    // Draining a backlog of hours proves nothing more: the rate was more than the worker does.
    await worker.stop('SIGTERM')
    throw new Error(`the worker fell ${behind} jobs behind ${dispatched} dispatched at ${Math.round(dispatched / seconds)}/s: soak at a lower --rate`)
  }

  const {code} = await worker.stop('SIGTERM')
  if (code !== 0) throw new Error(`the worker exited ${code} when stopped: ${worker.stderr}`)
  // Retries of the last moments may still wait on the retry topic: a last worker runs them.
  const last = rig.startWorker(queue, group, {ledger, env, args: ['--stop-when-empty']})
  const drained = await last.exited
  if (drained.code !== 0) throw new Error(`the last worker exited ${drained.code}: ${last.stderr}`)
  const tally = await rig.tally(queue, ledger)
  return {
    ...tally,
    seconds,
    rate: {asked: options.rate, achieved: Math.round(dispatched / seconds)},
    samples,
    rebalances: (worker.stdout.match(/^ {2}Partitions: /gm)?.length ?? 1) - 1,
    rssDrift: median(fifth(samples, 4).map((each) => each.rssMb)) / median(fifth(samples, 1).map((each) => each.rssMb)) - 1,
    lagGrowth: mean(quarter(samples, 3).map((each) => each.lag)) - mean(quarter(samples, 0).map((each) => each.lag)),
  }
}

/** The queue topic's records not yet committed by the group. */
type Connection = Parameters<typeof withTopicAdmin>[0]

async function lagOf(connection: Connection, queue: string, group: string): Promise<number> {
  return withTopicAdmin(connection, async (admin) => {
    const [ends, committed] = [await admin.topicOffsets(queue), await admin.committedOffsets(group, queue)]
    return ends.reduce((sum, {partition, high}) => sum + high - Math.max(0, committed.find((each) => each.partition === partition)?.offset ?? 0), 0)
  })
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}

const part = (samples: SoakSample[], index: number, parts: number) =>
  samples.slice(Math.floor((samples.length * index) / parts), Math.max(Math.floor((samples.length * (index + 1)) / parts), Math.floor((samples.length * index) / parts) + 1))
const fifth = (samples: SoakSample[], index: number) => part(samples, index, 5)
const quarter = (samples: SoakSample[], index: number) => part(samples, index, 4)
const mean = (values: number[]) => (values.length === 0 ? 0 : values.reduce((sum, each) => sum + each, 0) / values.length)

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor(sorted.length / 2)]
}
