import {statSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {type KqConfig, loadConfig} from '../config/index.js'
import {identifier} from '../config/values.js'
import {UsageError} from '../errors.js'
import {assertJobsFolder} from '../jobs/files.js'
import {type ProcessManagerSettings} from '../worker/settings.js'
import {defaultKqCommand} from './kq-command.js'
import {type ProcessManagerOptions} from './options.js'
import {checkPartitions} from './partitions.js'
import {splitCommandLine} from './quote.js'
import {type ProcessManager, renderProcessManagerConfig} from './render.js'
import {refuseExisting} from './write.js'

/** What `kq make:supervisor` was asked, as given: paths may be relative, the queues still one word. */
export interface ProcessManagerRequest {
  manager: ProcessManager
  /** `orders` or `high,default`. @defaultValue KAFKA_QUEUE */
  queues?: string
  procs: number
  /** @defaultValue the current user */
  user?: string
  /** The application folder. @defaultValue the current folder */
  directory?: string
  log?: string
  /** The command line that starts kq. @defaultValue see defaultKqCommand */
  command?: string
  stopWait?: number
  /** A file, or a folder to write the file into. @defaultValue none: the content is for stdout */
  output?: string
  force: boolean
  /** The worker settings passed on to every worker. */
  work: ProcessManagerSettings
  brokers?: string
  jobsDir?: string
  envFile?: string
  /** The root of the kq package running now: the workers' kq when the application has none. */
  runningRoot: string
}

export interface ProcessManagerConfig {
  format: ProcessManager
  /** The file to write, absolute; absent when the configuration goes to stdout. */
  file?: string
  content: string
  /** Idle workers, a missing topic, a skipped check, workers running as root. */
  warnings: string[]
}

/**
 * The configuration `request` asks for, checked and rendered, with what the person should be
 * warned about; the file, if any, is not written yet. Relative paths are taken from the
 * application folder, so that they mean the same here and to the workers running there.
 */
export async function prepareProcessManagerConfig(request: ProcessManagerRequest): Promise<ProcessManagerConfig> {
  const directory = path.resolve(request.directory ?? '.')
  const envFile = request.envFile === undefined ? undefined : path.resolve(directory, request.envFile)
  const brokers = request.brokers === undefined ? {} : {KAFKA_BROKERS: {value: request.brokers, flag: '--brokers'}}
  // The application's configuration, as its workers will read it.
  const config = loadConfig({cwd: directory, envFile, overrides: brokers})
  const kq =
    request.command === undefined
      ? defaultKqCommand({directory, runningRoot: request.runningRoot})
      : {command: splitCommandLine(request.command), warning: undefined}
  const options = gatherOptions(request, {directory, envFile, config, command: kq.command})
  // Written into every worker's command line, where a missing folder would stop them all.
  if (options.work.jobsDir !== undefined) assertJobsFolder(options.work.jobsDir)
  // Every input is checked here, before Kafka is asked anything.
  const {content, fileName} = renderProcessManagerConfig(request.manager, options)
  const file = request.output === undefined ? undefined : intoFolder(path.resolve(request.output), fileName)
  if (file !== undefined) await refuseExisting(file, {force: request.force})
  const warnings = [
    ...(kq.warning === undefined ? [] : [kq.warning]),
    ...(runsAsRoot(options.user) ? ['the workers will run as root: pass --user to run them as a user with fewer rights'] : []),
    ...(await checkPartitions(config, options.queues, options.procs)),
  ]
  return {format: request.manager, ...(file !== undefined && {file}), content, warnings}
}

/** The request as one options object, as Laravel's gatherWorkerOptions(). */
function gatherOptions(
  request: ProcessManagerRequest,
  context: {directory: string; envFile?: string; config: KqConfig; command: string[]},
): ProcessManagerOptions {
  const {directory, config} = context
  const fromApp = (file: string | undefined) => (file === undefined ? undefined : path.resolve(directory, file))
  const {group} = request.work
  return {
    queues: request.queues?.split(',').map((queue) => queue.trim()) ?? [config.queue],
    procs: request.procs,
    directory,
    command: context.command,
    user: request.user ?? currentUser(),
    logFile: fromApp(request.log),
    stopWait: request.stopWait,
    work: {
      ...request.work,
      group: group === undefined ? undefined : identifier({raw: group, label: '--group', fromCommandLine: true}),
      brokers: request.brokers === undefined ? undefined : config.kafka.brokers,
      jobsDir: fromApp(request.jobsDir),
      envFile: context.envFile,
    },
  }
}

function runsAsRoot(user: string): boolean {
  return user === 'root' || user === '0'
}

function currentUser(): string {
  try {
    return os.userInfo().username
  } catch {
    throw new UsageError('cannot tell who the current user is: pass --user')
  }
}

/** `--output /etc/supervisor/conf.d/` names a folder: the file gets its usual name inside it. */
function intoFolder(output: string, fileName: string): string {
  let isFolder = false
  try {
    isFolder = statSync(output, {throwIfNoEntry: false})?.isDirectory() ?? false
  } catch {
    // A path through a file (ENOTDIR) names no folder: writing to it says why.
  }

  return isFolder ? path.join(output, fileName) : output
}
