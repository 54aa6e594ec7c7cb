import {Args} from '@oclif/core'

import {KqCommand} from '../base-command.js'
import {topicName} from '../lib/config/values.js'
import {CONTROL_DELAY_SECONDS, type ControlReceipt, sendControl} from '../lib/control/index.js'
import {brokersFlag} from '../shared/flags.js'

export default class Pause extends KqCommand {
  // It pauses a queue there is: one that does not exist was mistyped, and making it would not help.
  protected override readonly readsQueues = true

  static override summary = 'Stop every worker from starting jobs of a queue, until `kq continue` (Laravel’s queue:pause).'
  static override description =
    'Writes a pause record for the queue to the control topic (KQ_CONTROL_TOPIC, made on first use). Within about ' +
    `${CONTROL_DELAY_SECONDS} seconds every worker stops starting the queue’s jobs (its queue, retry and delay topics) and ` +
    'stops fetching them; running jobs finish. Workers stay in their group (no rebalance) and go on with their other ' +
    'queues. A worker started while the queue is paused starts paused. `kq status` marks the queue. A queue already ' +
    'paused is left as it is, and nothing is written.'

  static override aliases = ['queue:pause']
  static override examples = ['<%= config.bin %> <%= command.id %> emails', '<%= config.bin %> queue:pause emails --json']

  static override args = {
    queue: Args.string({description: 'The queue to pause.', required: true, ignoreStdin: true}),
  }

  static override flags = {
    brokers: brokersFlag,
  }

  async run(): Promise<ControlReceipt> {
    const {args, flags} = await this.parse(Pause)
    const config = this.loadConfig(flags)
    const queue = topicName({raw: args.queue, label: 'queue', fromCommandLine: true})
    this.actingAs('operator', config, [queue])
    const receipt = await sendControl(config, {action: 'pause', queue})
    if (receipt.written) this.log(`Paused ${queue}: workers start none of its jobs until \`kq continue ${queue}\`.`)
    else this.log(`Queue ${queue} is already paused${receipt.paused ? ` (by ${receipt.paused.by} at ${receipt.paused.at})` : ''}: \`kq continue ${queue}\` lets workers start its jobs again.`)
    return receipt
  }
}
