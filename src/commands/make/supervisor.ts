import {statSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {Flags, type Interfaces} from '@oclif/core'

import {KqCommand} from '../../base-command.js'
import {backoffList, brokersFlag, jobsDirFlag, textArgument, workerFlags} from '../../flags.js'
import {type KqConfig, loadConfig} from '../../lib/config/index.js'
import {identifier} from '../../lib/config/values.js'
import {UsageError} from '../../lib/errors.js'
import {displayPath} from '../../lib/text/paths.js'
import {stylesFor} from '../../lib/output/styles.js'
import {
  PROCESS_MANAGER_DEFAULTS,
  type ProcessManager,
  type ProcessManagerOptions,
  checkPartitions,
  defaultKqCommand,
  renderProcessManagerConfig,
  splitCommandLine,
  refuseExisting,
  writeConfigFile,
} from '../../lib/supervisor/index.js'

export interface MakeSupervisorResult {
  format: ProcessManager
  /** The file written, absolute; absent when the configuration went to stdout. */
  file?: string
  content: string
  /** Idle workers, a missing topic, a skipped check: also printed to stderr. */
  warnings: string[]
}

const worker = {helpGroup: 'KQ WORK'}

export default class MakeSupervisor extends KqCommand {
  static override summary = 'Write a Supervisor program (or a systemd unit) that keeps kq workers running.'
  static override description =
    'Prints, or writes with --output, a Supervisor [program:kq-worker-<queue>] section running --procs workers ' +
    '(`kq work` with the KQ WORK flags given), or with --systemd a template unit kq-worker-<queue>@.service. ' +
    'Relative --log, --jobs-dir and --env-file paths are taken from the application folder (--directory). Warns when there are more workers than ' +
    'the queue has partitions (the extra ones would idle); without a broker that check is skipped, never an error.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> --procs 8 --tries 3 -o /etc/supervisor/conf.d/',
    '<%= config.bin %> <%= command.id %> orders --procs 4 --timeout 120 --memory 512 --user deploy',
    '<%= config.bin %> <%= command.id %> orders --systemd -o /etc/systemd/system/',
  ]

  static override args = {
    queues: textArgument('Queue to work, or a comma-separated list. Default: KAFKA_QUEUE.'),
  }

  static override flags = {
    procs: Flags.integer({
      char: 'n',
      description: 'Worker processes to run.',
      default: PROCESS_MANAGER_DEFAULTS.procs,
      min: 1,
      max: PROCESS_MANAGER_DEFAULTS.maxProcs,
    }),
    systemd: Flags.boolean({description: 'Write a systemd template unit instead of a Supervisor program.', default: false}),
    user: Flags.string({char: 'u', description: 'User the workers run as (default: the current user).'}),
    directory: Flags.string({char: 'd', description: 'The application folder, where the workers run (default: the current folder).'}),
    log: Flags.string({description: 'Log file (default: <directory>/kq-worker-<queue>.log; with --systemd, the journal).'}),
    command: Flags.string({description: 'Command that starts kq (default: this Node running the app’s kq, by absolute path).'}),
    'stop-wait': Flags.integer({description: 'Seconds from SIGTERM to SIGKILL (default: --timeout + 30).', min: 1}),
    output: Flags.string({char: 'o', description: 'Write to this file, or into this folder, instead of stdout.'}),
    force: Flags.boolean({description: 'Overwrite the --output file if it exists.', default: false}),
    ...workerFlags('KQ WORK'),
    brokers: Flags.string({...worker, char: 'b', description: brokersFlag.description}),
    'jobs-dir': Flags.string({...worker, description: jobsDirFlag.description}),
  }

  async run(): Promise<MakeSupervisorResult> {
    const {args, flags} = await this.parse(MakeSupervisor)
    const directory = path.resolve(flags.directory ?? '.')
    const envFile = flags['env-file'] === undefined ? undefined : path.resolve(directory, flags['env-file'])
    const brokers = flags.brokers === undefined ? {} : {KAFKA_BROKERS: {value: flags.brokers, flag: '--brokers'}}
    // The application's configuration, as its workers will read it.
    const config = loadConfig({cwd: directory, envFile, overrides: brokers})
    const kq = flags.command === undefined ? defaultKqCommand({directory, runningRoot: this.config.root}) : {command: splitCommandLine(flags.command)}
    const options = gatherOptions(flags, {directory, envFile, config, command: kq.command, queues: args.queues})
    const format: ProcessManager = flags.systemd ? 'systemd' : 'supervisor'
    // Every input is checked here, before Kafka is asked anything.
    const {content, fileName} = renderProcessManagerConfig(format, options)
    const file = flags.output === undefined ? undefined : intoFolder(path.resolve(flags.output), fileName)
    if (file !== undefined) await refuseExisting(file, {force: flags.force})
    const warnings = [
      ...(kq.warning === undefined ? [] : [kq.warning]),
      ...(['root', '0'].includes(options.user) ? ['the workers will run as root: pass --user to run them as a user with fewer rights'] : []),
      ...(await checkPartitions(config, options.queues, options.procs)),
    ]
    const styles = stylesFor(process.stderr)
    for (const warning of warnings) this.progress(`${styles.yellow('Warning:')} ${warning}`)
    if (file === undefined) {
      this.log(content.trimEnd())
      return {format, content, warnings}
    }

    await writeConfigFile(file, content, {force: flags.force})
    this.log(`Created ${displayPath(file)}`)
    return {format, file, content, warnings}
  }
}

type Parsed = Interfaces.InferredFlags<typeof MakeSupervisor.flags>

/**
 * The flags as one options object, as Laravel's gatherWorkerOptions(). Relative paths are taken
 * from the application folder, so that they mean the same here and to the workers running there.
 */
function gatherOptions(
  flags: Parsed,
  context: {directory: string; envFile?: string; config: KqConfig; command: string[]; queues?: string},
): ProcessManagerOptions {
  const {directory, config} = context
  const fromApp = (file: string | undefined) => (file === undefined ? undefined : path.resolve(directory, file))
  return {
    queues: context.queues?.split(',').map((queue) => queue.trim()) ?? [config.queue],
    procs: flags.procs,
    directory,
    command: context.command,
    user: flags.user ?? currentUser(),
    logFile: fromApp(flags.log),
    stopWait: flags['stop-wait'],
    work: {
      tries: flags.tries,
      backoff: backoffList(flags.backoff),
      timeout: flags.timeout,
      concurrency: flags.concurrency,
      prefetch: flags.prefetch,
      retryInPlace: flags['retry-in-place'],
      maxJobs: flags['max-jobs'],
      maxTime: flags['max-time'],
      memory: flags.memory,
      group: flags.group === undefined ? undefined : identifier({raw: flags.group, label: '--group', fromCommandLine: true}),
      fromBeginning: flags['from-beginning'],
      sessionTimeout: flags['session-timeout'],
      brokerTimeout: flags['broker-timeout'],
      brokers: flags.brokers === undefined ? undefined : config.kafka.brokers,
      jobsDir: fromApp(flags['jobs-dir']),
      envFile: context.envFile,
    },
  }
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
  const isFolder = statSync(output, {throwIfNoEntry: false})?.isDirectory() ?? false
  return isFolder ? path.join(output, fileName) : output
}
