import {execFile} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {withTopicAdmin} from '../../src/lib/kafka/index.js'
import {type TestApp, makeTestApp} from './app.js'
import {runKq, uniqueTopic} from './cli.js'
import {KCAT_QUICK_END} from './kcat.js'
import {testBrokers, testConnection} from './topics.js'

/** One line a test job wrote: what ran, which attempt, and when (ms since the epoch). */
export interface LedgerEntry {
  /** `run` when handle() starts, `done` when it returns, `failed` for the failed() hook, `aborted` when its signal fired. */
  event: 'run' | 'done' | 'failed' | 'aborted'
  queue: string
  job: string
  id: string
  attempt: number
  tag: string | null
  at: number
  detail?: string
}

/** What the test jobs take: a tag to find them by, and what to do. */
export interface TestPayload {
  tag: string
  /** The first attempt that succeeds (FailsUntil, Unconfigured); the ones before throw. */
  succeedOn?: number
  /** Sleeps: how long to sleep, honestly, on a timer. */
  sleepMs?: number
  /** WaitsForRelease: the file whose creation lets it finish, so a test decides when it ends. */
  releaseFile?: string
  /** For --key-field. */
  key?: string
}

function ledgerJob(ledger: string, name: string, options: {fields?: string[]; handle?: string}): string {
  const fields = (options.fields ?? []).map((line) => `  override ${line}\n`).join('')
  return `import {appendFileSync, existsSync} from 'node:fs'

import {FatalJobError, Job, type JobContext} from 'kq'

interface Payload {
  tag?: string
  succeedOn?: number
  sleepMs?: number
  releaseFile?: string
}

function note(ctx: JobContext, payload: Payload | null, event: string, detail?: string): void {
  const entry = {event, queue: ctx.queue, job: ctx.job, id: ctx.id, attempt: ctx.attempt, tag: payload?.tag ?? null, at: Date.now(), detail}
  appendFileSync(${JSON.stringify(ledger)}, JSON.stringify(entry) + '\\n')
}

export default class ${name} extends Job<Payload> {
${fields}
  override async handle(payload: Payload, ctx: JobContext): Promise<void> {
    note(ctx, payload, 'run')
${options.handle ?? ''}
    note(ctx, payload, 'done')
  }

  override async failed(payload: Payload, error: unknown, ctx: JobContext): Promise<void> {
    note(ctx, payload, 'failed', error instanceof Error ? error.name : String(error))
    ctx.log(\`failed() of attempt \${ctx.attempt}\`)
  }
}
`
}

/**
 * A test application whose jobs write what they do to a ledger file, one JSON line each, tagged
 * with their queue so that tests sharing the application never read each other's lines.
 */
export type WorkerApp = TestApp & {ledger(queue: string): LedgerEntry[]}

export function makeWorkerApp(): WorkerApp {
  const holder = makeTestApp()
  const ledgerFile = path.join(holder.root, 'ledger.ndjson')
  const failUntil = `    if (ctx.attempt < (payload.succeedOn ?? Infinity)) throw new Error('attempt ' + ctx.attempt + ' of ' + payload.tag + ' failed')`
  const jobs: Record<string, {fields?: string[]; handle?: string}> = {
    Succeeds: {},
    // Fails its attempts before payload.succeedOn; sets its own tries and a short backoff.
    FailsUntil: {fields: ['tries = 3', 'backoff = [0.2]'], handle: failUntil},
    // The same, with no tries, backoff or timeout of its own: the worker's flags apply.
    Unconfigured: {handle: failUntil},
    Fatal: {fields: ['tries = 5'], handle: `    throw new FatalJobError('card declined')`},
    // Ignores its signal and never finishes.
    // Ignores its signal, and logs once its attempt is over.
    Hangs: {
      fields: ['tries = 2', 'backoff = [0]', 'timeout = 1'],
      handle: '    setTimeout(() => ctx.log(`late line of attempt ${ctx.attempt}`), 1200)\n    await new Promise(() => {})',
    },
    HonoursSignal: {
      fields: ['timeout = 1'],
      handle: `    await new Promise((_, reject) => {
      ctx.signal.addEventListener('abort', () => {
        note(ctx, payload, 'aborted', (ctx.signal.reason as Error).name)
        reject(ctx.signal.reason)
      }, {once: true})
    })`,
    },
    // An honest sleep on a timer: the event loop stays free, as for a job waiting on I/O.
    Sleeps: {handle: '    await new Promise((resolve) => setTimeout(resolve, payload.sleepMs ?? 0))'},
    // Runs until the test creates its release file: no test has to guess how long a step takes.
    WaitsForRelease: {handle: '    while (!existsSync(payload.releaseFile ?? \'\')) await new Promise((resolve) => setTimeout(resolve, 50))'},
  }
  for (const [name, options] of Object.entries(jobs)) holder.writeJob(name, ledgerJob(ledgerFile, name, options))
  return {
    ...holder,
    ledger(queue) {
      if (!existsSync(ledgerFile)) return []
      return readFileSync(ledgerFile, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as LedgerEntry)
        .filter((entry) => entry.queue === queue)
    },
  }
}

/** A new queue (topic, retry and dead-letter topics) whose group of its own starts at its beginning. */
export async function createWorkedQueue(prefix: string, partitions = 1, group = uniqueTopic('g')): Promise<{queue: string; group: string}> {
  const queue = uniqueTopic(prefix)
  const {code, stderr} = await runKq(['topic:create', queue, '--partitions', String(partitions), '--group', group])
  if (code !== 0) throw new Error(`topic:create ${queue} failed: ${stderr}`)
  return {queue, group}
}

/** The group's committed offset and the end offset of each partition of a topic. */
export async function groupProgress(group: string, topic: string): Promise<Array<{partition: number; committed: number; end: number}>> {
  return withTopicAdmin(testConnection(), async (admin) => {
    const committed = await admin.committedOffsets(group, topic)
    const ends = await admin.topicOffsets(topic)
    return ends
      .map(({partition, high}) => ({partition, committed: committed.find((each) => each.partition === partition)?.offset ?? -1, end: high}))
      .sort((a, b) => a.partition - b.partition)
  })
}

/** One record's value, byte for byte, as kcat reads it. */
export async function kcatValue(topic: string, partition: number, offset: number | string): Promise<Buffer> {
  const args = ['-b', testBrokers(), '-C', '-t', topic, '-p', String(partition), '-o', String(offset), '-c', '1', '-e', '-q', '-f', '%s', ...KCAT_QUICK_END]
  return new Promise((resolve, reject) => {
    execFile('kcat', args, {encoding: 'buffer', timeout: 30_000}, (error, stdout, stderr) => {
      if (error) reject(new Error(`kcat ${args.join(' ')} failed: ${stderr.toString()}`))
      else resolve(stdout)
    })
  })
}

/** Waits until `condition` holds, checking every 100 ms; throws after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}
