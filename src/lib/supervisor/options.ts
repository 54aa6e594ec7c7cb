import path from 'node:path'

import {topicName} from '../config/values.js'
import {UsageError} from '../errors.js'
import {refuseQueueNamedTwice} from '../worker/options.js'
import {PROCESS_MANAGER_SETTING_NAMES, type ProcessManagerSettings, WORKER_SETTINGS, flagName, settingArgument} from '../worker/settings.js'

/**
 * What `kq make:supervisor` is told, in one object: which queues, how many workers, how to start
 * kq and with which `kq work` flags, as whom, where, and where their output goes. Both renderers
 * (Supervisor and systemd) take it whole.
 */
export interface ProcessManagerOptions {
  /** Queues the workers work, at least one. */
  queues: string[]
  /** Worker processes. @defaultValue 8, as the Supervisor example of Laravel's queue guide */
  procs: number
  /** The `kq work` flags every worker is started with. */
  work: WorkFlags
  /** The application's folder, absolute: the workers' working folder. */
  directory: string
  /** The words that start kq, `work ...` follows them: `['/usr/bin/node', '--', '/srv/app/node_modules/kq/bin/run.js']`. */
  command: string[]
  /** The user the workers run as. */
  user: string
  /** File the workers' output is appended to, absolute. @defaultValue Supervisor: `<directory>/<name>.log`; systemd: the journal */
  logFile?: string
  /** Seconds between SIGTERM and SIGKILL. @defaultValue the job timeout + STOP_MARGIN_SECONDS */
  stopWait?: number
}

/**
 * The `kq work` flags passed through to each worker: the worker settings a process manager
 * passes on, and where to find Kafka, the jobs and the configuration. An absent one is left
 * to kq work's default.
 */
export interface WorkFlags extends ProcessManagerSettings {
  brokers?: string[]
  /** Absolute, so that it means the same file wherever the worker starts. */
  jobsDir?: string
  /** Absolute, for the same reason. */
  envFile?: string
}

export const PROCESS_MANAGER_DEFAULTS = {procs: 8, maxProcs: 100} as const

/** kq work's own default timeout, in seconds, used for the stop wait when --timeout is not given. */
export const WORK_DEFAULT_TIMEOUT = WORKER_SETTINGS.timeout.default

/**
 * Seconds on top of the job timeout before a stopping worker is killed: once its last job has
 * finished the worker still commits its offsets and leaves the consumer group, which takes a
 * few seconds and longer on a slow or distant broker.
 */
export const STOP_MARGIN_SECONDS = 30

/** The Supervisor program, and the systemd unit before its `@`: `kq-worker-orders`. */
export function workerName(queues: string[]): string {
  return `kq-worker-${queues.join('-')}`
}

/** Seconds a process manager should wait for a worker to stop before killing it. */
export function stopWaitSeconds(options: Pick<ProcessManagerOptions, 'stopWait' | 'work'>): number {
  return options.stopWait ?? (options.work.timeout ?? WORK_DEFAULT_TIMEOUT) + STOP_MARGIN_SECONDS
}

/** `work <queues> --flag=value ...`: the words after the command that starts kq. */
export function workArguments(queues: string[], work: WorkFlags): string[] {
  const words = ['work', queues.join(',')]
  for (const name of PROCESS_MANAGER_SETTING_NAMES) {
    const given = work[name]
    if (given === undefined || given === false) continue
    words.push(given === true ? `--${flagName(name)}` : `--${flagName(name)}=${settingArgument(name, given)}`)
  }

  if (work.brokers !== undefined) words.push(`--brokers=${work.brokers.join(',')}`)
  if (work.jobsDir !== undefined) words.push(`--jobs-dir=${work.jobsDir}`)
  if (work.envFile !== undefined) words.push(`--dotenv=${work.envFile}`)
  return words
}

// Portable user names (POSIX, and what useradd and systemd accept), or a numeric user id.
const USER_NAME = /^(?:[A-Za-z_][\w.-]{0,31}|\d+)$/

/**
 * Refuses, with one line naming the flag, anything neither process manager could run: too few
 * or too many workers, a bad queue or user name, a relative path, an empty command.
 */
export function checkProcessManagerOptions(options: ProcessManagerOptions): void {
  const {procs, queues, user, directory, logFile, command, stopWait} = options
  if (!Number.isSafeInteger(procs) || procs < 1 || procs > PROCESS_MANAGER_DEFAULTS.maxProcs) {
    throw new UsageError(`--procs must be a whole number from 1 to ${PROCESS_MANAGER_DEFAULTS.maxProcs}, got ${procs}`)
  }

  if (queues.length === 0) throw new UsageError('no queue given: kq make:supervisor <queue>[,<queue>...]')
  for (const queue of queues) topicName({raw: queue, label: 'queue', fromCommandLine: true})
  refuseQueueNamedTwice(queues)
  if (!USER_NAME.test(user)) {
    throw new UsageError(`--user must be a user name (letters, digits, '_', '-', '.'; at most 32) or a user id, got ${JSON.stringify(user)}`)
  }

  for (const [flag, file] of [['--directory', directory], ['--log', logFile]] as const) {
    if (file !== undefined && !path.isAbsolute(file)) throw new UsageError(`${flag} must be an absolute path, got ${JSON.stringify(file)}`)
  }

  if (command.length === 0 || command[0] === '') throw new UsageError('--command must name the program that runs kq, e.g. "npx kq"')
  // A process manager starts it from its own folder, with a short PATH: only these two are found.
  if (!path.isAbsolute(command[0]) && command[0].includes('/')) {
    throw new UsageError(`--command must start with an absolute path or a program on PATH, got ${JSON.stringify(command[0])}`)
  }

  if (stopWait !== undefined && (!Number.isSafeInteger(stopWait) || stopWait < 1)) {
    throw new UsageError(`--stop-wait must be a positive whole number of seconds, got ${stopWait}`)
  }
}

/** Why the stop wait is what it is, for a comment above it. */
export function stopWaitReason(options: Pick<ProcessManagerOptions, 'stopWait' | 'work'>): string {
  const after = 'Killed sooner, a running job is cut off and delivered again later.'
  if (options.stopWait !== undefined) {
    return `Seconds from SIGTERM to SIGKILL (--stop-wait): longer than any job may run, with time to commit and leave the consumer group. ${after}`
  }

  const timeout = options.work.timeout ?? WORK_DEFAULT_TIMEOUT
  return (
    `Seconds from SIGTERM to SIGKILL: the job timeout (${timeout}s) plus ${STOP_MARGIN_SECONDS}s to commit and leave the ` +
    `consumer group; a job class with a longer timeout needs more (kq make:supervisor --stop-wait). ${after}`
  )
}
