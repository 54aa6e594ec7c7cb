import {Flags} from '@oclif/core'

import {otherQueuesWithPending} from '../../lib/dead-letter/find.js'
import {type DeadLetterSummary, summaryOf} from '../../lib/dead-letter/letters.js'
import {hasSelector, selectDeadLetters} from '../../lib/dead-letter/selection.js'
import {DeadLetterStore} from '../../lib/dead-letter/store.js'
import {describeListing, describeOtherQueues, renderDeadLetterList} from '../../lib/output/dead-letters.js'
import {DeadLetterCommand} from '../../shared/dead-letter-command.js'
import {brokersFlag, deadLetterQueueFlag, deadLetterSelection, deadLetterSelectorFlags, textArgument} from '../../shared/flags.js'

export interface DltListResult {
  queue: string
  topic: string
  /** The cursor group: its offsets mark dead letters handled. */
  group: string
  pending: number
  handled: number
  deadLetters: DeadLetterSummary[]
  /** With no queue named: the other queues with pending dead letters, and how many. */
  otherQueues?: Array<{queue: string; pending: number}>
}

export default class DltList extends DeadLetterCommand {
  // Laravel's name for it.
  static override aliases = ['queue:failed']
  static override summary = 'List the dead letters of a queue that wait to be replayed or purged.'
  static override description =
    'Reads the queue’s dead-letter topic (<topic>-dlt) from the cursor of the dead-letter group (<KAFKA_CONSUMER_GROUP>-dlt) ' +
    'to its end: the pending dead letters, oldest first. --all lists the handled ones (replayed or purged) too. Nothing is changed.'

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> orders --job SendEmail --since 2h',
    '<%= config.bin %> <%= command.id %> --reason timeout --limit 20 --json',
  ]

  static override args = {
    queue: textArgument('Queue whose dead letters to list, or the job id of one (as --id). Default: KAFKA_QUEUE.'),
  }

  static override flags = {
    ...deadLetterSelectorFlags(),
    queue: deadLetterQueueFlag('Queue whose dead letters to list.'),
    all: Flags.boolean({description: 'Include handled dead letters (replayed or purged).'}),
    group: Flags.string({char: 'g', description: 'Workers’ consumer group whose dead-letter cursor to read (overrides KAFKA_CONSUMER_GROUP).'}),
    brokers: brokersFlag,
  }

  async run(): Promise<DltListResult> {
    const parsed = await this.parse(DltList)
    // A job id where the queue goes selects it, as in dlt:replay ID: it was taken for a queue name.
    const {queue: named, flags} = this.jobIdArguments(parsed.args.queue === undefined ? [] : [parsed.args.queue], parsed.flags)
    const config = this.loadConfig(flags)
    const queueName = this.queueOf(named, config)
    this.actingAs('operator', config, [queueName])
    const selection = deadLetterSelection(flags)
    const store = await DeadLetterStore.open(config)
    try {
      const state = await store.load(queueName, {all: flags.all})
      const letters = selectDeadLetters(state.letters, selection, state.topic, {all: flags.all})
      if (letters.length > 0) this.log(renderDeadLetterList(letters, {all: flags.all}))
      this.log(describeListing(state, letters.length, {all: flags.all, filtered: hasSelector(selection)}))
      const otherQueues = named === undefined ? await otherQueuesWithPending(config, queueName, store.group) : undefined
      if (otherQueues !== undefined && otherQueues.length > 0) this.log(describeOtherQueues(otherQueues))
      const {queue, topic, group, pending, handled} = state
      return {queue, topic, group, pending, handled, deadLetters: letters.map((letter) => summaryOf(letter)), ...(otherQueues && {otherQueues})}
    } finally {
      await store.close()
    }
  }
}
