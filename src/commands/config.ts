import {KqCommand} from '../base-command.js'
import {type ConfigReport, explainConfig} from '../lib/config/explain.js'
import {renderConfig} from '../lib/output/config.js'
import {brokersFlag, jobsDirFlag, partitionsFlag, replicationFactorFlag, workerFlags} from '../shared/flags.js'

export type ConfigResult = ConfigReport

export default class Config extends KqCommand {
  static override summary = 'Show the configuration kq uses: each setting, its value and where it came from (flag, environment, .env, default).'
  static override description =
    'Passwords, passphrases and keys are masked. A bad value fails here as it would in any command, with the same one line; ' +
    'the configuration flags given here show what a command given them would use.'

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --dotenv .env.production --json',
  ]

  static override flags = {
    brokers: brokersFlag,
    partitions: partitionsFlag,
    'replication-factor': replicationFactorFlag,
    'jobs-dir': jobsDirFlag,
    ...workerFlags(['group', 'metricsPort', 'metricsHost']),
  }

  async run(): Promise<ConfigResult> {
    const {flags} = await this.parse(Config)
    // Checked as every command checks it, so that what is shown is what would run.
    this.loadConfig(flags)
    const report = explainConfig(this.configOptions(flags))
    this.log(renderConfig(report))
    return report
  }
}
