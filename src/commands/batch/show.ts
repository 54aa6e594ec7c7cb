import {Args} from '@oclif/core'

import {KqCommand} from '../../base-command.js'
import {type BatchSummary, assertBatchId, findBatch} from '../../lib/batch/index.js'
import {renderBatch} from '../../lib/output/batches.js'
import {brokersFlag} from '../../shared/flags.js'

export default class BatchShow extends KqCommand {
  static override summary = 'Show a batch: its progress, its failed jobs, and whether its end jobs were dispatched.'
  static override description =
    'Reads the batch’s records on the batch topic (KQ_BATCH_TOPIC): its total, each job’s end (a job that ran twice counts once), and the record of its end jobs. Nothing is changed.'

  static override examples = ['<%= config.bin %> <%= command.id %> 0193a5f0-6c1e-7a2b-9a41-2f1e5c0d9b77 --json']

  static override args = {
    id: Args.string({description: 'Batch id, as batch().dispatch() returned it.', required: true, ignoreStdin: true}),
  }

  static override flags = {
    brokers: brokersFlag,
  }

  async run(): Promise<BatchSummary> {
    const {args, flags} = await this.parse(BatchShow)
    assertBatchId(args.id)
    const config = this.loadConfig(flags)
    this.actingAs('operator', config, [config.queue])
    const batch = await findBatch(config, args.id)
    this.log(renderBatch(batch))
    return batch
  }
}
