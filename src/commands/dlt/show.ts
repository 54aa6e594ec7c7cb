import {Args, Flags} from '@oclif/core'

import {refuseEmpty} from '../../lib/config/values.js'
import {type DeadLetterDetail, detailOf, positionOf} from '../../lib/dead-letter/letters.js'
import {findDeadLetters} from '../../lib/dead-letter/find.js'
import {DeadLetterStore} from '../../lib/dead-letter/store.js'
import {UsageError} from '../../lib/errors.js'
import {renderDeadLetter} from '../../lib/output/dead-letters.js'
import {DeadLetterCommand} from '../../shared/dead-letter-command.js'
import {brokersFlag} from '../../shared/flags.js'

export interface DltShowResult extends DeadLetterDetail {
  /** Other dead letters of the same job (a replay that failed again), as `<partition>:<offset>`. */
  others: string[]
}

export default class DltShow extends DeadLetterCommand {
  static override summary = 'Show one dead letter in full: payload, every header, the stack.'
  static override description =
    'ID is the job id from `kq dlt:list`, or the dead letter’s <partition>:<offset> (the only name of a message that is not a kq job). ' +
    'When a job has several dead letters (it was replayed and failed again), the newest is shown and the others are named.'

  static override examples = ['<%= config.bin %> <%= command.id %> 0193a5f0-6c1e-7a2b-9a41-2f1e5c0d9b77', '<%= config.bin %> <%= command.id %> 0:42 --queue orders --json']

  static override args = {
    id: Args.string({description: 'Job id, or <partition>:<offset> of the dead letter.', required: true, ignoreStdin: true}),
  }

  static override flags = {
    queue: Flags.string({char: 'q', description: 'Queue whose dead letters to search. Default: KAFKA_QUEUE.'}),
    group: Flags.string({char: 'g', description: 'Workers’ consumer group whose dead-letter cursor to read (overrides KAFKA_CONSUMER_GROUP).'}),
    brokers: brokersFlag,
  }

  async run(): Promise<DltShowResult> {
    const {args, flags} = await this.parse(DltShow)
    refuseEmpty(args.id, 'the id', 'give a job id or a <partition>:<offset> from `kq dlt:list`')
    const config = this.loadConfig(flags)
    this.actingAs('operator', config, [this.queueOf(flags.queue, config)])
    const store = await DeadLetterStore.open(config)
    try {
      const {state, matches} = await findDeadLetters(config, store, args.id, {queue: this.queueOf(flags.queue, config), named: flags.queue !== undefined})
      if (matches.length === 0) {
        throw new UsageError(`no dead letter has id ${args.id} in ${state.topic}: see the ids with \`kq dlt:list --all\``)
      }

      // Listed oldest first: the newest is the last.
      const [newest, ...older] = matches
      const result = {...detailOf(newest, config.encryption), others: older.map((letter) => positionOf(letter))}
      this.log(renderDeadLetter(result))
      if (older.length > 0) this.log(`\nOther dead letters of this job: ${result.others.join(', ')} (kq dlt:show <partition>:<offset>)`)
      return result
    } finally {
      await store.close()
    }
  }
}
