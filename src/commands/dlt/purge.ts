import {Flags} from '@oclif/core'

import {DeadLetterStore, type PurgeResult} from '../../lib/dead-letter/store.js'
import {renderPurgeResult} from '../../lib/output/dead-letters.js'
import {DeadLetterCommand} from '../../shared/dead-letter-command.js'
import {brokersFlag, deadLetterQueueFlag, deadLetterSelection, deadLetterSelectorFlags, textArgument} from '../../shared/flags.js'

export interface DltPurgeResult extends PurgeResult {
  /** Job ids asked for that no pending dead letter has; absent when every one was found. */
  notFound?: string[]
}

export default class DltPurge extends DeadLetterCommand {
  // Laravel's names for it: queue:flush for them all, queue:forget ID for one.
  static override aliases = ['queue:flush', 'queue:forget']
  static override summary = 'Mark pending dead letters handled without replaying them.'
  static override description =
    'Moves the dead-letter cursor past the selected dead letters: they leave `kq dlt:list` (they stay in the topic until ' +
    'its retention removes them, and `kq dlt:list --all` still shows them). The same selectors, --dry-run and confirmation as dlt:replay.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> --reason malformed --yes',
    '<%= config.bin %> <%= command.id %> orders --id 0:17 --yes',
    '<%= config.bin %> <%= command.id %> 0193a5f0-6c1e-7a2b-9a41-2f1e5c0d9b77 0193a5f0-7d2e-7b3c-8a52-3f2e6d1eac88 --yes',
    '<%= config.bin %> <%= command.id %> --since 7d --dry-run',
  ]

  static override args = {
    queue: textArgument('Queue whose dead letters to purge, or the job id of one (as --id); more job ids may follow. Default: KAFKA_QUEUE.'),
  }

  // The job ids after the first argument are read from argv (see jobIdArguments).
  static override strict = false

  static override flags = {
    ...deadLetterSelectorFlags(),
    queue: deadLetterQueueFlag('Queue whose dead letters to purge.'),
    'dry-run': Flags.boolean({description: 'Show what would be purged; change nothing.'}),
    yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation.'}),
    group: Flags.string({char: 'g', description: 'Workers’ consumer group whose dead-letter cursor to move (overrides KAFKA_CONSUMER_GROUP).'}),
    brokers: brokersFlag,
  }

  async run(): Promise<DltPurgeResult> {
    const parsed = await this.parse(DltPurge)
    const {queue, flags} = this.jobIdArguments(parsed.argv as string[], parsed.flags)
    this.refuseUnconfirmed('purging dead letters', flags)
    const config = this.loadConfig(flags)
    this.actingAs('operator', config, [this.queueOf(queue, config)])
    // Before anything connects: a bad selection is refused in its flag's words.
    const asked = deadLetterSelection(flags)
    const store = await DeadLetterStore.open(config)
    try {
      const state = await this.loadPending(config, store, queue, asked)
      const {selection, notFound} = this.leaveOutNotFound(state, asked)
      const {selected, why} = await this.choose(state, selection, {
        verb: 'purge',
        target: ` from ${state.topic}`,
        yes: flags.yes,
        dryRun: flags['dry-run'],
      })
      const result = await store.purge(state, selected, {dryRun: flags['dry-run']})
      this.log(why ?? renderPurgeResult(result, notFound))
      return notFound.length === 0 ? result : {...result, notFound}
    } finally {
      await store.close()
    }
  }
}
