import {Flags} from '@oclif/core'

import {DEFAULT_MAX_REPLAYS, planReplay} from '../../lib/dead-letter/replay.js'
import {DeadLetterStore, type ReplayResult} from '../../lib/dead-letter/store.js'
import {UsageError} from '../../lib/errors.js'
import {renderReplayResult} from '../../lib/output/dead-letters.js'
import {progressBar} from '../../lib/output/progress.js'
import {DeadLetterCommand} from '../../shared/dead-letter-command.js'
import {brokersFlag, deadLetterQueueFlag, deadLetterSelection, deadLetterSelectorFlags, textArgument} from '../../shared/flags.js'

/** Replays of more dead letters than this show a progress bar (on a terminal). */
const PROGRESS_FROM = 200

export interface DltReplayResult extends ReplayResult {
  /** Job ids asked for that no pending dead letter has; absent when every one was found. */
  notFound?: string[]
}

export default class DltReplay extends DeadLetterCommand {
  // Laravel's name for it.
  static override aliases = ['queue:retry']
  static override summary = 'Put pending dead letters’ jobs back on their queue.'
  static override description =
    'Each job goes back to the queue topic with its key, attempt 1, its own headers and two more: kq-replayed-from and ' +
    'kq-replay-count. The dead-letter cursor moves past a dead letter only once its replay is acknowledged, so a crash ' +
    'loses nothing (and may replay up to 200 jobs twice). A job replayed --max-replays times is refused. On a terminal, ' +
    'with no selector, you tick the dead letters to replay; a question confirms unless --yes.'

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> orders --job SendEmail --since 1h --yes',
    '<%= config.bin %> <%= command.id %> 0193a5f0-6c1e-7a2b-9a41-2f1e5c0d9b77 0193a5f0-7d2e-7b3c-8a52-3f2e6d1eac88 --yes',
    '<%= config.bin %> <%= command.id %> --reason timeout --dry-run',
  ]

  static override args = {
    queue: textArgument('Queue whose dead letters to replay, or the job id of one (as --id); more job ids may follow, as Laravel’s queue:retry ID ID takes them. Default: KAFKA_QUEUE.'),
  }

  // The job ids after the first argument are read from argv (see jobIdArguments).
  static override strict = false

  static override flags = {
    ...deadLetterSelectorFlags(),
    queue: deadLetterQueueFlag('Queue whose dead letters to replay.'),
    'max-replays': Flags.integer({description: 'Refuse a job replayed this many times already.', default: DEFAULT_MAX_REPLAYS, min: 1}),
    'dry-run': Flags.boolean({description: 'Show what would be replayed; change nothing.'}),
    yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation.'}),
    group: Flags.string({char: 'g', description: 'Workers’ consumer group whose dead-letter cursor to move (overrides KAFKA_CONSUMER_GROUP).'}),
    brokers: brokersFlag,
  }

  async run(): Promise<DltReplayResult> {
    const parsed = await this.parse(DltReplay)
    const {queue, flags} = this.jobIdArguments(parsed.argv as string[], parsed.flags)
    this.refuseUnconfirmed('replaying dead letters', flags)
    const config = this.loadConfig(flags)
    this.actingAs('operator', config, [this.queueOf(queue, config)])
    const options = {maxReplays: flags['max-replays'], maxMessageBytes: config.maxMessageBytes}
    // Before anything connects: a bad selection is refused in its flag's words.
    const asked = deadLetterSelection(flags)
    const store = await DeadLetterStore.open(config)
    try {
      const state = await this.loadPending(config, store, queue, asked)
      const {selection, notFound} = this.leaveOutNotFound(state, asked)
      const {selected, why} = await this.choose(state, selection, {
        verb: 'replay',
        target: ` to ${state.queueTopic}`,
        yes: flags.yes,
        dryRun: flags['dry-run'],
        disabled: (letter) => {
          const plan = planReplay(letter, options)
          return plan.replayable ? undefined : plan.problem === 'max-replays' ? `replayed ${letter.replayCount}×` : 'not a job'
        },
      })
      const bar = progressBar('Replaying')
      const result = await store.replay(state, selected, {
        ...options,
        dryRun: flags['dry-run'],
        onProgress: (done, total) => total > PROGRESS_FROM && bar.update(done, total),
      })
      bar.finish()
      // All refused: the warnings and the error say it all.
      if (why !== undefined || result.replayed.length > 0 || result.refused.length === 0) this.log(why ?? renderReplayResult(result, notFound))
      for (const refusal of result.refused) this.warning(refusal.message)
      if (result.replayed.length === 0 && result.refused.length > 0) throw refusedAll(result)
      return notFound.length === 0 ? result : {...result, notFound}
    } finally {
      await store.close()
    }
  }
}

/** When every selected dead letter was refused, the command failed: one line says why. */
function refusedAll(result: ReplayResult): UsageError {
  const [first] = result.refused
  const error = new UsageError(
    result.refused.length === 1 ? first.message : `none of the ${result.refused.length} selected dead letters can be replayed (the warnings above say why): purge them, or raise --max-replays`,
  )
  error.details = {result}
  return error
}
