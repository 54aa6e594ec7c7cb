import {type KqConfig} from '../config/index.js'
import {type VariableName} from '../config/variables.js'

/**
 * Every setting of a worker, defined once: its type, default, limits, flag and words. The
 * `WorkerOptions` type and defaults, the flags of `kq work` and `kq make:supervisor`, the
 * command lines of process managers and the README's table of `kq work` are all derived from
 * this table, so that adding a setting is one entry here and the code that uses it.
 */

/** What a setting holds, and so how its flag is read and written back on a command line. */
export type SettingKind = 'boolean' | 'integer' | 'seconds' | 'text'

/** The value a setting of each kind holds; `seconds` is a list, written `1,5,10`. */
export interface SettingValue {
  boolean: boolean
  integer: number
  seconds: number[]
  text: string
}

export interface DefaultContext {
  config: KqConfig
  /** The settings given and the plain defaults, for a default that follows another setting. */
  values: Readonly<Record<string, unknown>>
}

export interface WorkerSetting<Kind extends SettingKind = SettingKind> {
  kind: Kind
  /** The flag's one line in `--help`; its default, or the variable it overrides, is added. */
  summary: string
  /** What the README's table of `kq work` says, with the why a reader of `--help` can do without. */
  description: string
  /** Absent: unset, meaning unlimited or none. A function for a default that depends on the rest. */
  default?: SettingValue[Kind] | ((context: DefaultContext) => SettingValue[Kind])
  /** How a computed default reads in `--help` and the README. */
  defaultText?: string
  /** The configuration variable that holds the default, which the flag overrides. */
  env?: VariableName
  /** The flag's one-letter name; the long name is the setting's, in kebab-case. */
  char?: 'c' | 'g'
  min?: number
  max?: number
  /**
   * False for a setting that makes no sense under a process manager, which restarts a worker
   * that stops: `kq make:supervisor` neither offers nor passes it on.
   */
  processManager?: false
}

export const WORKER_SETTINGS = {
  /** Tries per job when neither the message nor the job class says. @defaultValue 1 */
  tries: {
    kind: 'integer',
    min: 1,
    default: 1,
    summary: 'Tries per job unless the job class says',
    description: 'Tries per job when the job class does not set `tries` (the class wins, and the message wins over both).',
  },
  /** Seconds before each retry when the job says nothing; the last repeats. @defaultValue [] (none) */
  backoff: {
    kind: 'seconds',
    default: [],
    summary: 'Seconds before each retry, e.g. 1,5,10 (the last repeats)',
    description: "Seconds before each retry, `1,5,10`: the last value repeats (Laravel's rule).",
  },
  /** Seconds an attempt may run when the job says nothing. @defaultValue 60 */
  timeout: {
    kind: 'integer',
    min: 1,
    default: 60,
    summary: 'Seconds an attempt may run unless the job class says',
    description: 'Seconds an attempt may run unless the job sets `timeout`.',
  },
  /** Jobs in flight at once, across partitions and, for different keys, within one. @defaultValue 1 */
  concurrency: {
    kind: 'integer',
    char: 'c',
    min: 1,
    max: 1000,
    default: 1,
    summary: 'Jobs in flight at once per worker',
    description: 'Jobs in flight at once: across partitions, and within one for different keys.',
  },
  /**
   * Jobs fetched ahead of the running ones, at most (per queue, counting the queues before it):
   * fetching pauses above it and resumes at half. @defaultValue 10 x concurrency, at least 1000
   */
  prefetch: {
    kind: 'integer',
    min: 1,
    // Enough to keep every slot busy while the next fetch is on its way.
    default: ({values}) => Math.max(1000, 10 * (values.concurrency as number)),
    defaultText: '10 x concurrency, at least 1000',
    summary: 'Jobs fetched ahead of the running ones, at most',
    description: 'Jobs fetched ahead of the running ones, at most: fetching pauses above it and resumes at half.',
  },
  /**
   * Retry a failed job where it is, holding back the jobs after it with the same key, instead
   * of through the retry topic: strict order per key, at the price of blocking that key (and
   * its partition's progress) for the backoff. @defaultValue false
   */
  retryInPlace: {
    kind: 'boolean',
    default: false,
    summary: 'Retry where the job is, keeping strict order per key',
    description: 'Retry where the job is, holding its key back: strict order per key (see below).',
  },
  /**
   * Seconds a job this worker does not know keeps being retried before it is dead-lettered as
   * `unknown-job`: in a rolling deploy, a new job is dispatched before every worker has its
   * code, and one started in the wrong folder knows none. @defaultValue 300
   */
  unknownJobGrace: {
    kind: 'integer',
    min: 0,
    default: 300,
    summary: 'Seconds an unknown job is retried before it is dead-lettered (0: at once)',
    description:
      'Seconds a job this worker does not know is retried (a rolling deploy: its code may not be on every worker yet) before it is dead-lettered as `unknown-job`; 0 dead-letters at once.',
  },
  /** Seconds a slot rests after each job before it takes another (Laravel's --rest). @defaultValue 0 */
  rest: {
    kind: 'integer',
    min: 0,
    default: 0,
    summary: 'Seconds a slot rests after each job before it takes another',
    description: "Seconds a slot rests after each job before it takes another (Laravel's `--rest`): to go easy on what the jobs call.",
  },
  /** Work a queue even while `kq pause` holds it (Laravel's --force for maintenance mode). @defaultValue false */
  force: {
    kind: 'boolean',
    default: false,
    // make:supervisor's own --force overwrites its file; a maintenance switch is not for a process manager's config.
    processManager: false,
    summary: 'Work queues even while kq pause holds them',
    description: "Work queues even while `kq pause` holds them (Laravel's `--force`, which works through maintenance mode).",
  },
  /** A name for this worker, in its failure headers and log lines (Laravel's --name). @defaultValue none */
  name: {
    kind: 'text',
    summary: 'A name for this worker, in kq status, its failure headers and start line',
    description:
      "A name for this worker (Laravel's `--name`): `kq status` shows it in the member's client id (`KAFKA_CLIENT_ID.name`), the `kq-worker` header of the jobs it fails reads `name@host:pid`, and its start line shows it.",
  },
  /** Stop after this many jobs (tries that ran). @defaultValue unlimited */
  maxJobs: {kind: 'integer', min: 1, summary: 'Stop after this many jobs', description: 'Stop after this many jobs.'},
  /** Stop after this many seconds. @defaultValue unlimited */
  maxTime: {kind: 'integer', min: 1, summary: 'Stop after this many seconds', description: 'Stop after this many seconds.'},
  /** Stop, with exit code 12, once the process uses more than this many MB. @defaultValue unlimited */
  memory: {
    kind: 'integer',
    // Below this, Node's own heap would trip it at once.
    min: 16,
    summary: 'Stop with exit code 12 above this many MB of memory',
    description: "Stop with exit code 12 once the process uses more than this many MB (Laravel's code).",
  },
  /** Stop once every assigned partition, retries included, is worked to its end, but for jobs it does not know. @defaultValue false */
  stopWhenEmpty: {
    kind: 'boolean',
    default: false,
    processManager: false,
    summary: 'Stop once every partition (its retries and delayed jobs included) is worked out',
    description:
      'Stop once every assigned partition, retries and delayed jobs included, is worked out (so it waits for jobs delayed into the future), but for jobs this worker does not know: it leaves those on their retry path and names them.',
  },
  /** Consumer group; workers in one group share the partitions. @defaultValue KAFKA_CONSUMER_GROUP */
  group: {
    kind: 'text',
    char: 'g',
    env: 'KAFKA_CONSUMER_GROUP',
    default: ({config}) => config.consumerGroup,
    summary: 'Consumer group',
    description: 'Consumer group: workers in one group share the partitions.',
  },
  /** For a group with no committed offsets: start at the topics' beginning, not their end. @defaultValue false */
  fromBeginning: {
    kind: 'boolean',
    default: false,
    summary: 'A group without committed offsets starts at the topics’ beginning',
    description: "A group with no committed offsets starts at the topics' beginning, not their end.",
  },
  /**
   * Seconds without a heartbeat before the group gives this worker's partitions away: how long
   * a killed worker's partitions wait for another. Heartbeats never wait for jobs, so long jobs
   * need no longer. @defaultValue 10
   */
  sessionTimeout: {
    kind: 'integer',
    // Kafka's group.min.session.timeout.ms.
    min: 6,
    default: 10,
    summary: 'Seconds without heartbeat before the group gives a worker’s partitions away',
    description: "Seconds without heartbeat before the group gives this worker's partitions away (Kafka's minimum is 6).",
  },
  /**
   * Port of a Prometheus endpoint at /metrics: job counts and durations, jobs in flight, the lag
   * of the worker's partitions, Node's process metrics. @defaultValue KQ_METRICS_PORT, else none
   */
  metricsPort: {
    kind: 'integer',
    min: 1,
    max: 65_535,
    env: 'KQ_METRICS_PORT',
    summary: 'Serve Prometheus metrics at http://HOST:PORT/metrics',
    description:
      'Serve Prometheus metrics at `/metrics` on this port (see Metrics); under `make:supervisor` files, process N listens on this port + N.',
  },
  /** Address of the metrics endpoint. @defaultValue KQ_METRICS_HOST (127.0.0.1) */
  metricsHost: {
    kind: 'text',
    env: 'KQ_METRICS_HOST',
    default: ({config}) => config.metricsHost,
    summary: 'Address of the metrics endpoint',
    description: 'Address the metrics endpoint listens on: `0.0.0.0` for a Prometheus on another host.',
  },
  /** Seconds to keep trying a lost broker before stopping with exit code 5. @defaultValue 60 */
  brokerTimeout: {
    kind: 'integer',
    min: 1,
    default: 60,
    summary: 'Seconds to keep trying a lost broker before exiting 5',
    description: 'Seconds to keep trying a lost broker before exiting with code 5.',
  },
} satisfies Record<string, WorkerSetting>

type Settings = typeof WORKER_SETTINGS
export type WorkerSettingName = keyof Settings

type ValueOf<Setting> = Setting extends {kind: infer Kind extends SettingKind} ? SettingValue[Kind] : never
type AllValues = {[Name in keyof Settings]: ValueOf<Settings[Name]>}
type Defaulted = {[Name in keyof Settings]: Settings[Name] extends {default: unknown} ? Name : never}[keyof Settings]

/** Every setting's value: those with a default always set, the others (limits) unset for none. */
export type WorkerSettingValues = Pick<AllValues, Defaulted> & Partial<Omit<AllValues, Defaulted>>

/** The settings a process manager passes on to the workers it runs. */
export type ProcessManagerSettingName = {
  [Name in keyof Settings]: Settings[Name] extends {processManager: false} ? never : Name
}[keyof Settings]

export type ProcessManagerSettings = Partial<Pick<AllValues, ProcessManagerSettingName>>

export const WORKER_SETTING_NAMES = Object.keys(WORKER_SETTINGS) as WorkerSettingName[]

export const PROCESS_MANAGER_SETTING_NAMES = WORKER_SETTING_NAMES.filter(
  (name) => settingOf(name).processManager !== false,
) as ProcessManagerSettingName[]

/** A setting's entry, seen through the common shape rather than its literal type. */
export function settingOf(name: WorkerSettingName): WorkerSetting {
  return WORKER_SETTINGS[name] as WorkerSetting
}

/** The long flag of a setting: `maxJobs` is `--max-jobs`. */
export function flagName(name: WorkerSettingName): string {
  return name.replaceAll(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)
}

/**
 * How a setting's default reads to a person, or undefined when there is none worth saying
 * (unset, an empty list, off).
 */
export function defaultText(name: WorkerSettingName): string | undefined {
  const setting = settingOf(name)
  if (setting.env !== undefined) return setting.env
  if (setting.defaultText !== undefined) return setting.defaultText
  return typeof setting.default === 'number' ? String(setting.default) : undefined
}

/** Each setting's default, for `config` and the values given (which are not overwritten). */
export function settingDefaults(config: KqConfig, given: Readonly<Record<string, unknown>>): WorkerSettingValues {
  const plain: Record<string, unknown> = {}
  const computed: Array<[string, (context: DefaultContext) => unknown]> = []
  for (const name of WORKER_SETTING_NAMES) {
    const value = settingOf(name).default
    if (typeof value === 'function') computed.push([name, value])
    // Each worker gets its own lists: a default is never shared.
    else if (value !== undefined) plain[name] = Array.isArray(value) ? [...value] : value
  }

  const context = {config, values: {...plain, ...given}}
  for (const [name, value] of computed) plain[name] = value(context)
  return plain as WorkerSettingValues
}

/** `value` as the argument of its flag on a command line: `1,5,10` for a list. */
export function settingArgument(name: WorkerSettingName, value: SettingValue[SettingKind]): string {
  return Array.isArray(value) ? value.join(',') : String(value)
}
