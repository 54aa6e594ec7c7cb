import {type KqConfig} from '../lib/config/index.js'
import {DEFAULT_BATCH_SIZE} from '../lib/dispatch/batch-size.js'
import {type BulkResult, type DispatchOptions, type DispatchReceipt, type Dispatcher, type JobDefaults} from '../lib/dispatch/index.js'
import {parseDelayFlags, parseHeaderFlags, parseKeyFlag, parsePayload} from '../lib/dispatch/input.js'
import {readNdjson, readPayloadText} from '../lib/dispatch/sources.js'
import {UsageError} from '../lib/errors.js'
import {jobDefaults} from '../lib/jobs/job.js'
import {JobRegistry} from '../lib/jobs/registry.js'
import {renderBulkSummary, renderReceipt} from '../lib/output/dispatch.js'
import {type ProgressBar, progressBar} from '../lib/output/progress.js'
import {askForJob, askForPayload, isInteractive} from '../lib/prompts/index.js'
import {type Role} from '../lib/acl/roles.js'
import {traceHeadersFromEnvironment} from '../lib/trace/traceparent.js'

/**
 * `kq dispatch`'s steps, shared by the oclif command and by the path that sends one job without
 * loading oclif (fast-dispatch.ts): both run this code, so they cannot answer differently.
 */

export interface DispatchFlags {
  file?: string
  ndjson?: string
  key?: string
  'key-field'?: string
  'batch-size'?: number
  header?: string[]
  queue?: string
  delay?: string
  at?: string
  brokers?: string
  'jobs-dir'?: string
  dotenv?: string
}

/** What the steps need from the command running them. */
export interface DispatchConsole {
  /** Loads the configuration for these flags, warning about what is amiss in it. */
  loadConfig(flags: Record<string, unknown>): KqConfig
  /** Says which kq role this run acts in, for the grant advice of an authorization error. */
  actingAs(role: Role, config: KqConfig, queues: string[]): void
  log(message: string): void
}

export interface PreparedDispatch {
  config: KqConfig
  job: JobDefaults
  options: DispatchOptions
}

/** Everything checked before anything connects: flags, configuration, the job (asked for on a terminal). */
export async function prepareDispatch(jobName: string | undefined, flags: DispatchFlags, io: DispatchConsole): Promise<PreparedDispatch> {
  const options = {queue: flags.queue, key: parseKeyFlag(flags.key), headers: {...traceHeadersFromEnvironment(process.env), ...parseHeaderFlags(flags.header)}, ...parseDelayFlags(flags)}
  const config = io.loadConfig(flags as Record<string, unknown>)
  const registry = await JobRegistry.scan(config.jobsDir)
  const name = jobName ?? (await askOrRefuse('job name', async () => askForJob(registry)))
  const job = jobDefaults(await registry.load(name))
  io.actingAs('dispatcher', config, [options.queue ?? job.queue ?? config.queue])
  return {config, job, options}
}

/** One job: its payload read (argument, --file, stdin, or asked for), checked, sent, and its receipt printed. */
export async function sendOneJob(
  {job, options}: PreparedDispatch,
  dispatcher: Dispatcher,
  source: {payload?: string; file?: string},
  io: DispatchConsole,
): Promise<DispatchReceipt> {
  const given = await readPayloadText(source.payload, source.file)
  const payload = given ? parsePayload(given.text, given.label) : await askOrRefuse('payload', () => askForPayload(job.name))
  // dispatch() checks the payload against the job's schema before it connects.
  const receipt = await dispatcher.dispatch(job, payload, options)
  io.log(renderReceipt(receipt))
  return receipt
}

export type BulkReceipt = BulkResult & {rate: number}

/** The jobs of an NDJSON file or stdin: every line checked, then sent in batches, with a progress bar on a terminal. */
export async function sendBulkJobs({job, options}: PreparedDispatch, dispatcher: Dispatcher, flags: DispatchFlags & {ndjson: string}, io: DispatchConsole): Promise<BulkReceipt> {
  // A bulk line's key is its own (--key, --key-field): it cannot follow a job's rule for it.
  if (job.recordKey !== undefined || job.unique !== undefined) {
    throw new UsageError(`${job.name} is unique or keyed by its middleware, which --ndjson does not apply: dispatch its jobs one at a time, or with ${job.name}.dispatch() from code`)
  }

  const target = dispatcher.target(job, options)
  // Read and checked while the dispatcher connects; the bar starts with the first batch sent.
  const lines = readNdjson(target, flags.ndjson, {key: options.key, keyField: flags['key-field'], schema: job.schema})
  let bar: ProgressBar | undefined
  const result = await dispatcher
    .sendBulk(target, lines, {
      batchSize: flags['batch-size'] ?? DEFAULT_BATCH_SIZE,
      source: flags.ndjson,
      onProgress: ({sent, total}) => (bar ??= progressBar(`Dispatching ${job.name}`)).update(sent, total),
    })
    .finally(() => bar?.finish())
  io.log(renderBulkSummary(result))
  return {...result, rate: Math.round(result.count / Math.max(result.seconds, 1e-9))}
}

/** On a terminal, asks; elsewhere a missing argument is a usage error, never a hang on stdin. */
async function askOrRefuse<T>(what: string, ask: () => Promise<T>): Promise<T> {
  if (isInteractive()) return ask()
  throw new UsageError(`missing ${what}: kq dispatch <Job> '<json>' (or --file, --ndjson, - for stdin)`)
}
