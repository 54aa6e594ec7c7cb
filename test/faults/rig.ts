import {spawn} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {createInterface} from 'node:readline'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {withTopicAdmin} from '../../src/lib/kafka/index.js'
import {type TestApp, makeTestApp} from '../support/app.js'
import {type CliResult, kq, uniqueTopic} from '../support/cli.js'
import {KCAT_QUICK_END} from '../support/kcat.js'
import {type WorkerProcess, spawnKq, spawnWorker} from '../support/worker-process.js'
import {FAULT_JOB, type LedgerLine, readLedger} from './ledger.js'
import {type Tally, tally} from './tally.js'

/** How the jobs of a run behave: a share failing their first attempt, a share failing for good. */
export interface JobMix {
  count: number
  /** Share of jobs (0-1) that fail their first attempt and pass their retry. */
  failOnce?: number
  /** Share of jobs (0-1) that fail for good while the worker runs with FATAL_FAILS=1. */
  fatal?: number
  /** Distinct keys (users) the jobs are spread over: jobs of one key run one at a time, in order. */
  keys?: number
}

/**
 * What a fault scenario works with: an application holding the ledgered job, one Kafka
 * (`brokers`), and the means to dispatch, start and kill workers, and count what ran.
 */
export class FaultRig {
  readonly app: TestApp
  private readonly workers: WorkerProcess[] = []

  constructor(public brokers: string) {
    this.app = makeTestApp({jobs: {Ledgered: FAULT_JOB}})
  }

  /** A new queue of its own with a group that starts at its beginning. */
  async newQueue(prefix: string, options: {partitions: number; replication?: number}): Promise<{queue: string; group: string}> {
    const queue = uniqueTopic(prefix)
    const group = `${queue}-workers`
    const args = ['topic:create', queue, '--group', group, '--partitions', String(options.partitions)]
    if (options.replication !== undefined) args.push('--replication-factor', String(options.replication))
    const created = await this.kq(args, {timeoutMs: 240_000})
    if (created.code !== 0) throw new Error(`topic:create ${queue} failed: ${created.stderr}`)
    return {queue, group}
  }

  /** Writes the mix as an NDJSON file (one job per line, `seq` from 0) and returns its path. */
  jobsFile(mix: JobMix): string {
    const file = path.join(this.app.root, `${uniqueTopic('jobs')}.ndjson`)
    const lines: string[] = []
    const failOnceEvery = mix.failOnce ? Math.round(1 / mix.failOnce) : 0
    const fatalEvery = mix.fatal ? Math.round(1 / mix.fatal) : 0
    for (let seq = 0; seq < mix.count; seq++) {
      const fail = fatalEvery && seq % fatalEvery === 1 ? 'fatal' : failOnceEvery && seq % failOnceEvery === 0 ? 'once' : undefined
      lines.push(JSON.stringify({seq, user: `u${seq % (mix.keys ?? 60)}`, ...(fail && {fail})}))
    }

    writeFileSync(file, lines.join('\n') + '\n')
    return file
  }

  /** `kq dispatch --ndjson` of the file, keyed by user; the result as the shell sees it. */
  async dispatchFile(queue: string, file: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    return this.kq(['dispatch', 'Ledgered', '--ndjson', file, '--queue', queue, '--key-field', 'user', ...extra], {env, timeoutMs: 300_000})
  }

  /** Dispatches the mix and fails unless every line was sent. */
  async dispatch(queue: string, mix: JobMix): Promise<void> {
    const sent = await this.dispatchFile(queue, this.jobsFile(mix))
    if (sent.code !== 0) throw new Error(`dispatch to ${queue} failed: ${sent.stderr}`)
  }

  /** A `kq work` process on the queue, writing to `ledger`; killed at the end of the run if still alive. */
  startWorker(queue: string, group: string, options: {ledger: string; concurrency?: number; env?: NodeJS.ProcessEnv; args?: string[]}): WorkerProcess {
    const args = [queue, '--group', group, '--brokers', this.brokers, '--concurrency', String(options.concurrency ?? 8)]
    // A short session: a killed member's partitions go to the others after 6 s, not 45.
    args.push('--session-timeout', '6', '--quiet', ...(options.args ?? []))
    const worker = spawnWorker(args, {cwd: this.app.root, env: {LEDGER: options.ledger, ...options.env}})
    this.workers.push(worker)
    return worker
  }

  /** `kq dlt:replay` of every pending dead letter, started and left running. */
  startReplay(queue: string, group: string): WorkerProcess {
    const replay = spawnKq(['dlt:replay', queue, '--group', group, '--brokers', this.brokers, '--yes'], {cwd: this.app.root})
    this.workers.push(replay)
    return replay
  }

  /** A new, empty ledger file. */
  ledgerFile(): string {
    return path.join(this.app.root, `${uniqueTopic('ledger')}.log`)
  }

  ledger(file: string): LedgerLine[] {
    return readLedger(file)
  }

  /** Distinct jobs finished so far. */
  doneCount(file: string): number {
    return new Set(readLedger(file).map((line) => line.id)).size
  }

  /** Polls until `check` holds; false if `timeoutMs` passes first (the caller reports what is missing). */
  async waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (await check()) return true
      await sleep(100)
    }

    return check()
  }

  /** Every job id on the queue topic, as an independent client (kcat) reads it. */
  async dispatchedIds(queue: string): Promise<string[]> {
    return (await this.kcatRecords(queue)).map((record) => (JSON.parse(record.payload) as {id: string}).id)
  }

  /** The `seq` of every job on the queue topic: which lines of a dispatched file reached Kafka. */
  async dispatchedSeqs(queue: string): Promise<number[]> {
    return (await this.kcatRecords(queue)).map((record) => (JSON.parse(record.payload) as {payload: {seq: number}}).payload.seq)
  }

  /** The job ids of every dead letter of the queue (replayed or not). */
  async deadLetteredIds(queue: string): Promise<string[]> {
    return (await this.kcatRecords(`${queue}-dlt`)).map((record) => record.headers['kq-job-id'])
  }

  /** The run's tally: what the queue holds against the ledger and the dead letters. */
  async tally(queue: string, ledger: string, options: {pendingDeadLetters?: boolean} = {}): Promise<Tally> {
    const deadLetters = options.pendingDeadLetters === false ? [] : await this.deadLetteredIds(queue)
    return tally(await this.dispatchedIds(queue), readLedger(ledger), deadLetters)
  }

  /** The sum of a topic's end offsets: how many records were ever written to it. */
  async recordCount(topic: string): Promise<number> {
    const connection = {brokers: this.brokers.split(','), clientId: 'kq-faults', connectTimeoutMs: 5000, ssl: false}
    const offsets = await withTopicAdmin(connection, (admin) => admin.topicOffsets(topic))
    return offsets.reduce((sum, partition) => sum + partition.high, 0)
  }

  async kq(args: string[], options: {env?: NodeJS.ProcessEnv; timeoutMs?: number} = {}): Promise<CliResult> {
    return kq(args, {cwd: this.app.root, env: {KAFKA_BROKERS: this.brokers, ...options.env}, timeoutMs: options.timeoutMs})
  }

  /** Kills every worker still running and removes the application. */
  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map(async (worker) => worker.stop('SIGKILL')))
    this.app.remove()
  }

  /**
   * Every record of a topic as kcat reads it, streamed line by line: a soak's topic holds
   * millions of records, more than a buffered child's output may hold.
   */
  private async kcatRecords(topic: string): Promise<Array<{payload: string; headers: Record<string, string>}>> {
    const child = spawn('kcat', ['-b', this.brokers, '-C', '-t', topic, '-o', 'beginning', '-e', '-J', '-q', ...KCAT_QUICK_END])
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const exited = new Promise<number | null>((resolve) => {
      child.on('close', (code) => resolve(code))
    })
    const records: Array<{payload: string; headers: Record<string, string>}> = []
    for await (const line of createInterface({input: child.stdout})) {
      if (line.trim() === '') continue
      const raw = JSON.parse(line) as {payload: string; headers?: string[]}
      const headers: Record<string, string> = {}
      for (let index = 0; index + 1 < (raw.headers?.length ?? 0); index += 2) headers[raw.headers![index]] = raw.headers![index + 1]
      records.push({payload: raw.payload, headers})
    }

    const code = await exited
    if (code !== 0) throw new Error(`kcat could not read ${topic} (exit ${code}): ${stderr.trim()}`)
    return records
  }
}
