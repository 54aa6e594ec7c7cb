import {Flags} from '@oclif/core'

import {KqCommand} from '../../base-command.js'
import {type BatchSummary, listBatches} from '../../lib/batch/index.js'
import {renderBatchList} from '../../lib/output/batches.js'
import {brokersFlag} from '../../shared/flags.js'

export default class BatchList extends KqCommand {
  static override summary = 'List the batches and their progress: total, pending, done, failed.'
  static override description =
    'Reads the batch topic (KQ_BATCH_TOPIC) from its start: every batch it still keeps (the topic’s retention), oldest first. Nothing is changed.'

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --running --json']

  static override flags = {
    running: Flags.boolean({description: 'Only batches not yet ended.'}),
    brokers: brokersFlag,
  }

  async run(): Promise<{batches: BatchSummary[]}> {
    const {flags} = await this.parse(BatchList)
    const config = this.loadConfig(flags)
    this.actingAs('operator', config, [config.queue])
    const batches = await listBatches(config, {running: flags.running})
    this.log(renderBatchList(batches))
    return {batches}
  }
}
