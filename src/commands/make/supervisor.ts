import {Flags} from '@oclif/core'

import {KqCommand} from '../../base-command.js'
import {displayPath} from '../../lib/text/paths.js'
import {
  PROCESS_MANAGER_DEFAULTS,
  type ProcessManagerConfig,
  prepareProcessManagerConfig,
  writeConfigFile,
} from '../../lib/supervisor/index.js'
import {PROCESS_MANAGER_SETTING_NAMES} from '../../lib/worker/settings.js'
import {brokersFlag, jobsDirFlag, queueFlag, queuesOf, textArgument, workerFlags, workerSettingsFromFlags} from '../../shared/flags.js'

/** The configuration, and the file it was written to (absent when it went to stdout). */
export type MakeSupervisorResult = ProcessManagerConfig

const worker = {helpGroup: 'KQ WORK'}

export default class MakeSupervisor extends KqCommand {
  static override summary = 'Write a Supervisor program (or a systemd unit) that keeps kq workers running.'
  static override description =
    'Prints, or writes with --output, a Supervisor [program:kq-worker-<queue>] section running --procs workers ' +
    '(`kq work` with the KQ WORK flags given), or with --systemd a template unit kq-worker-<queue>@.service. ' +
    'Relative --log, --jobs-dir and --dotenv paths are taken from the application folder (--directory). Warns when there are more workers than ' +
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
    ...workerFlags(PROCESS_MANAGER_SETTING_NAMES, 'KQ WORK'),
    brokers: Flags.string({...worker, char: 'b', description: brokersFlag.description}),
    'jobs-dir': Flags.string({...worker, description: jobsDirFlag.description}),
    queue: Flags.string({...worker, description: queueFlag.description}),
  }

  async run(): Promise<MakeSupervisorResult> {
    const {args, flags} = await this.parse(MakeSupervisor)
    const made = await prepareProcessManagerConfig({
      manager: flags.systemd ? 'systemd' : 'supervisor',
      queues: queuesOf(args.queues, flags.queue),
      procs: flags.procs,
      user: flags.user,
      directory: flags.directory,
      log: flags.log,
      command: flags.command,
      stopWait: flags['stop-wait'],
      output: flags.output,
      force: flags.force,
      work: workerSettingsFromFlags(PROCESS_MANAGER_SETTING_NAMES, flags),
      brokers: flags.brokers,
      jobsDir: flags['jobs-dir'],
      envFile: flags.dotenv,
      runningRoot: this.config.root,
    })
    for (const warning of made.warnings) this.warning(warning)
    if (made.file === undefined) {
      this.log(made.content.trimEnd())
      return made
    }

    await writeConfigFile(made.file, made.content, {force: flags.force})
    this.log(`Created ${displayPath(made.file)}`)
    return made
  }
}
