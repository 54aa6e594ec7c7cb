import {Args} from '@oclif/core'

import {KqCommand} from '../base-command.js'
import {topicName} from '../lib/config/values.js'
import {CONTROL_DELAY_SECONDS, type ControlReceipt, sendControl} from '../lib/control/index.js'
import {brokersFlag} from '../shared/flags.js'

export default class Continue extends KqCommand {
  // It goes on with a queue there is: one that does not exist was mistyped.
  protected override readonly readsQueues = true

  static override summary = 'Let workers start jobs of a paused queue again (Laravel’s queue:continue).'
  static override description =
    'Writes a continue record for the queue to the control topic (KQ_CONTROL_TOPIC). Within about ' +
    `${CONTROL_DELAY_SECONDS} seconds every worker resumes fetching the queue’s topics and starts its jobs, in their ` +
    'order. A queue that is not paused is left as it is, and nothing is written.'

  static override aliases = ['queue:continue']
  static override examples = ['<%= config.bin %> <%= command.id %> emails', '<%= config.bin %> queue:continue emails --json']

  static override args = {
    queue: Args.string({description: 'The paused queue to go on with.', required: true, ignoreStdin: true}),
  }

  static override flags = {
    brokers: brokersFlag,
  }

  async run(): Promise<ControlReceipt> {
    const {args, flags} = await this.parse(Continue)
    const config = this.loadConfig(flags)
    const queue = topicName({raw: args.queue, label: 'queue', fromCommandLine: true})
    this.actingAs('operator', config, [queue])
    const receipt = await sendControl(config, {action: 'continue', queue})
    this.log(receipt.written ? `Continued ${queue}: workers start its jobs again.` : `Queue ${queue} is not paused: nothing to continue.`)
    return receipt
  }
}
