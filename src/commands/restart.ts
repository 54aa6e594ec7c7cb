import {KqCommand} from '../base-command.js'
import {CONTROL_DELAY_SECONDS, type WrittenControl, sendControl} from '../lib/control/index.js'
import {brokersFlag} from '../shared/flags.js'

export default class Restart extends KqCommand {
  static override summary = 'Make every running worker finish its jobs and exit 0, to be started again with new code (Laravel’s queue:restart).'
  static override description =
    'Writes a restart record to the control topic (KQ_CONTROL_TOPIC, made on first use). Every worker started ' +
    `before it, on any machine and any queue, sees it within about ${CONTROL_DELAY_SECONDS} seconds, stops starting jobs, lets ` +
    'running ones finish, commits and exits 0, as on SIGTERM: run workers under Supervisor or systemd, which start ' +
    'them again. Workers started after it keep running.'

  static override aliases = ['queue:restart']
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> queue:restart --json']

  static override flags = {
    brokers: brokersFlag,
  }

  async run(): Promise<WrittenControl> {
    const {flags} = await this.parse(Restart)
    const config = this.loadConfig(flags)
    // Any queue's operator role holds what a restart needs: the control topic, the same for all.
    this.actingAs('operator', config, [config.queue])
    const receipt = await sendControl(config, {action: 'restart'})
    this.log(`Restart asked (${receipt.controlTopic}@${receipt.offset}): each running worker finishes its jobs and exits 0.`)
    return receipt
  }
}
