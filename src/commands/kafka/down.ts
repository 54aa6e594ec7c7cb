import {Flags} from '@oclif/core'

import {KqCommand} from '../../base-command.js'
import {type DownResult, stopLocalKafka} from '../../lib/local-kafka/index.js'
import {localKafkaDirFlag} from '../../shared/flags.js'

export default class KafkaDown extends KqCommand {
  static override summary = 'Stop the local Kafka started by kafka:up.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --purge']

  static override flags = {
    dir: localKafkaDirFlag,
    purge: Flags.boolean({description: "Also delete the cluster's data and logs (the jar cache stays)."}),
    timeout: Flags.integer({description: 'Seconds to wait for a clean shutdown before killing.', default: 60, min: 1}),
  }

  async run(): Promise<DownResult> {
    const {flags} = await this.parse(KafkaDown)
    const result = await stopLocalKafka({dir: flags.dir, purge: flags.purge, timeoutMs: flags.timeout * 1000})
    const nodes = result.stopped.length === 1 ? '1 node' : `${result.stopped.length} nodes`
    this.log(result.stopped.length > 0 ? `Stopped local Kafka (${nodes}).` : 'Local Kafka is not running.')
    if (result.killed.length > 0) {
      this.log(`Node(s) ${result.killed.join(', ')} ignored SIGTERM for ${flags.timeout}s and were killed.`)
    }

    if (result.purged) this.log(`Deleted ${result.dir}.`)
    return result
  }
}
