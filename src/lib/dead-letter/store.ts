import {type KqConfig, topicsForQueue} from '../config/index.js'
import {KafkaRefusedError, UsageError} from '../errors.js'
import {type CommittedOffset, type GroupHold, type TopicReader, openPublisher, openTopicReader} from '../kafka/index.js'
import {
  type CursorCommit,
  type PartitionCursor,
  type PartitionLedger,
  LedgerProgress,
  MAX_HANDLED_RANGES,
  cursorRoomProblems,
  decodeHandledRanges,
  isHandled,
  ledgerOf,
} from './cursor.js'
import {type DeadLetter, deadLetterOf, positionOf, sortByFailureTime} from './letters.js'
import {type ReplayOptions, planReplay} from './replay.js'
import {deadLetterCursorGroup} from './backlog.js'

/** Replays sent before the cursor moves past them: at most this many run twice after a crash. */
export const REPLAY_CHUNK = 200

/** How long to wait for the cursor group to be free: past the session of a holder that was killed. */
const HOLD_WAIT_MS = 12_000

/** A queue's dead letters as read from its dead-letter topic, with the cursor group's view of them. */
export interface DeadLetterState {
  queue: string
  /** The dead-letter topic. */
  topic: string
  /** The queue topic, where replays go. */
  queueTopic: string
  /** The cursor group: its committed offsets mark dead letters handled. */
  group: string
  /** The dead letters read, oldest failure first: the pending ones, or all with `all`. */
  letters: DeadLetter[]
  pending: number
  /** Dead letters stored in the topic and handled (all of them, read or not). */
  handled: number
  cursors: PartitionCursor[]
  /** Each partition from its cursor to its end: what a commit is computed from. */
  ledgers: Map<number, PartitionLedger>
}

/** A dead letter that will not be replayed, and why. */
export interface Refusal {
  id: string
  position: string
  problem: 'not-a-job' | 'max-replays'
  message: string
}

export interface ReplayedLetter {
  id: string
  job: string | null
  /** The dead letter's `<partition>:<offset>`. */
  deadLetter: string
  replayCount: number
  /** Where the replay went; absent in a dry run. */
  partition?: number
  offset?: number
}

export interface ActionResult {
  queue: string
  /** The dead-letter topic. */
  topic: string
  group: string
  dryRun: boolean
  /** Selected dead letters that another command handled meanwhile: left alone. */
  alreadyHandled: string[]
  /** The cursor commits made (none in a dry run). */
  cursor: CursorCommit[]
}

export interface ReplayResult extends ActionResult {
  /** The queue topic the jobs went to. */
  to: string
  replayed: ReplayedLetter[]
  refused: Refusal[]
}

export interface PurgeResult extends ActionResult {
  purged: Array<{id: string; job: string | null; deadLetter: string}>
}

/**
 * The dead letters of one queue, and what can be done with them. The cursor group's offsets
 * say which are handled; see docs/dead-letters.md. Emits nothing and prints nothing: it
 * returns what happened, and reports replay progress through a callback.
 */
export class DeadLetterStore {
  private constructor(
    private readonly config: KqConfig,
    private readonly reader: TopicReader,
    readonly group: string,
  ) {}

  /** Connects to Kafka; `consumerGroup` is the workers' group (KAFKA_CONSUMER_GROUP by default). */
  static async open(config: KqConfig, consumerGroup = config.consumerGroup): Promise<DeadLetterStore> {
    return new DeadLetterStore(config, await openTopicReader(config.kafka), deadLetterCursorGroup(consumerGroup))
  }

  async close(): Promise<void> {
    await this.reader.close().catch(() => {})
  }

  /** Reads a queue's dead-letter topic from the cursor (from the beginning with `all`) to its end. */
  async load(queue: string, options: {all?: boolean} = {}): Promise<DeadLetterState> {
    const {topic: queueTopic, deadLetterTopic: topic} = topicsForQueue(this.config, queue)
    await this.reader.assertTopicExists(topic)
    const [offsets, committed] = await Promise.all([this.reader.topicOffsets(topic), this.reader.committed(this.group, topic)])
    const cursors = new Map(offsets.map(({partition}) => [partition, cursorOf(partition, committed)]))
    // Records before the log start are gone (retention): nothing is pending there.
    const starts = new Map(offsets.map(({partition, low}) => [partition, Math.max(low, cursors.get(partition)!.committed)]))
    const found = new Map(offsets.map(({partition}) => [partition, [] as number[]]))
    const letters: DeadLetter[] = []
    const ranges = offsets.map(({partition, low, high}) => ({partition, from: options.all ? low : starts.get(partition)!, to: high}))
    await this.reader.read(topic, ranges, this.group, (message) => {
      const offset = message.offset
      const handled = isHandled(cursors.get(message.partition)!, offset)
      if (offset >= starts.get(message.partition)!) found.get(message.partition)!.push(offset)
      if (options.all || !handled) letters.push(deadLetterOf(message, handled))
    })
    const ledgers = new Map(offsets.map(({partition, high}) => [partition, ledgerOf(cursors.get(partition)!, found.get(partition)!, high)]))
    const pending = [...ledgers.values()].reduce((sum, ledger) => sum + ledger.handled.filter((handled) => !handled).length, 0)
    const stored = offsets.reduce((sum, {low, high}) => sum + (high - low), 0)
    return {queue, topic, queueTopic, group: this.group, letters: sortByFailureTime(letters), pending, handled: stored - pending, cursors: [...cursors.values()], ledgers}
  }

  /**
   * Puts the jobs of `selected` dead letters back on their queue, then moves the cursor past
   * them. Replays go out in chunks, each acknowledged by every in-sync replica before the
   * cursor passes the dead letters it holds: a crash loses nothing, and replays at most one
   * chunk twice. With `dryRun`, says what would happen and changes nothing.
   */
  async replay(
    state: DeadLetterState,
    selected: DeadLetter[],
    options: ReplayOptions & {dryRun?: boolean; onProgress?: (done: number, total: number) => void} = {},
  ): Promise<ReplayResult> {
    const base = {queue: state.queue, topic: state.topic, to: state.queueTopic, group: state.group}
    if (options.dryRun) {
      const {replays, refused} = this.planReplays(selected, options)
      assertRoom(state, replays.map((each) => each.letter))
      return {...base, dryRun: true, replayed: replays.map(({letter, replayCount}) => replayed(letter, replayCount)), refused, alreadyHandled: [], cursor: []}
    }

    if (selected.length === 0) return {...base, dryRun: false, replayed: [], refused: [], alreadyHandled: [], cursor: []}
    return this.underCursor(state, selected, async (fresh, hold, letters) => {
      const {replays, refused} = this.planReplays(letters, options)
      // Per partition in offset order: the order the jobs failed in, kept for jobs of one key.
      replays.sort((a, b) => a.letter.partition - b.letter.partition || a.letter.offset - b.letter.offset)
      assertRoom(fresh, replays.map((each) => each.letter))
      const done: ReplayedLetter[] = []
      const progress = new Map([...fresh.ledgers].map(([partition, ledger]) => [partition, new LedgerProgress(ledger)]))
      const commits = new Map<number, CursorCommit>()
      if (replays.length === 0) return {replayed: done, refused, cursor: []}
      const publisher = await openPublisher(this.config.kafka, {sendTimeoutMs: this.config.sendTimeoutMs})
      try {
        await publisher.assertTopicExists(fresh.queueTopic)
        for (let start = 0; start < replays.length; start += REPLAY_CHUNK) {
          const chunk = replays.slice(start, start + REPLAY_CHUNK)
          const sent = await Promise.allSettled(chunk.map(({record}) => publisher.send(fresh.queueTopic, record)))
          // A failed send stops its partition: the cursor may pass only an unbroken run of
          // acknowledged replays, so a later one acknowledged anyway is simply replayed again.
          const broken = new Set<number>()
          for (const [index, outcome] of sent.entries()) {
            const {letter, replayCount} = chunk[index]
            if (outcome.status === 'rejected' || broken.has(letter.partition)) {
              broken.add(letter.partition)
              continue
            }

            progress.get(letter.partition)?.add(letter.offset)
            done.push({...replayed(letter, replayCount), partition: outcome.value.partition, offset: outcome.value.offset})
          }

          await commitPartitions(hold, progress, new Set(chunk.map(({letter}) => letter.partition)), commits)
          options.onProgress?.(done.length, replays.length)
          const failure = sent.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')
          if (failure) throw failure.reason
        }
      } finally {
        await publisher.close()
      }

      return {replayed: done, refused, cursor: [...commits.values()]}
    }).then((result) => ({...base, dryRun: false, ...result}))
  }

  /** Marks `selected` dead letters handled without replaying them: one commit. */
  async purge(state: DeadLetterState, selected: DeadLetter[], options: {dryRun?: boolean} = {}): Promise<PurgeResult> {
    const base = {queue: state.queue, topic: state.topic, group: state.group}
    const purged = (letters: DeadLetter[]) => letters.map((letter) => ({id: letter.id, job: letter.job, deadLetter: positionOf(letter)}))
    if (options.dryRun) {
      assertRoom(state, selected)
      return {...base, dryRun: true, purged: purged(selected), alreadyHandled: [], cursor: []}
    }

    if (selected.length === 0) return {...base, dryRun: false, purged: [], alreadyHandled: [], cursor: []}
    return this.underCursor(state, selected, async (fresh, hold, letters) => {
      assertRoom(fresh, letters)
      const progress = new Map([...fresh.ledgers].map(([partition, ledger]) => [partition, new LedgerProgress(ledger)]))
      for (const letter of letters) progress.get(letter.partition)?.add(letter.offset)
      const commits = new Map<number, CursorCommit>()
      await commitPartitions(hold, progress, new Set(letters.map((letter) => letter.partition)), commits)
      return {purged: purged(letters), cursor: [...commits.values()]}
    }).then((result) => ({...base, dryRun: false, ...result}))
  }

  private planReplays(letters: DeadLetter[], options: ReplayOptions) {
    const replays = []
    const refused: Refusal[] = []
    for (const letter of letters) {
      const plan = planReplay(letter, {maxMessageBytes: this.config.maxMessageBytes, ...options})
      if (plan.replayable) replays.push({letter, record: plan.record, replayCount: plan.replayCount})
      else refused.push({id: letter.id, position: positionOf(letter), problem: plan.problem, message: plan.message})
    }

    return {replays, refused}
  }

  /**
   * Runs `work` as the cursor group's only member, on the selected dead letters that are still
   * pending: when the cursor moved since `state` was read (another command handled some), the
   * topic is read again under the lock, and the selection keeps only what is still pending.
   */
  private async underCursor<T>(
    state: DeadLetterState,
    selected: DeadLetter[],
    work: (fresh: DeadLetterState, hold: GroupHold, letters: DeadLetter[]) => Promise<T>,
  ): Promise<T & {alreadyHandled: string[]}> {
    const answer = await this.reader.holdGroup(state.group, state.topic, {waitMs: HOLD_WAIT_MS})
    if ('inUseBy' in answer) {
      throw new KafkaRefusedError(
        `the dead letters of ${state.topic} are being handled by another client (group ${state.group} is in use by ${answer.inUseBy.join(', ')}): try again once it is done`,
      )
    }

    try {
      const now = await this.reader.committed(state.group, state.topic)
      const moved = state.cursors.some(({partition, committed, handled}) => {
        const fresh = cursorOf(partition, now)
        return fresh.committed !== committed || JSON.stringify(fresh.handled) !== JSON.stringify(handled)
      })
      const fresh = moved ? await this.load(state.queue) : state
      const pending = new Map(fresh.letters.map((letter) => [positionOf(letter), letter]))
      const letters = selected.flatMap((letter) => pending.get(positionOf(letter)) ?? [])
      const alreadyHandled = selected.filter((letter) => !pending.has(positionOf(letter))).map((letter) => letter.id)
      return {...(await work(fresh, answer.held, letters)), alreadyHandled}
    } finally {
      await answer.held.release()
    }
  }
}

/** Commits the cursor of the given partitions as far as their progress goes. */
async function commitPartitions(
  hold: GroupHold,
  progress: Map<number, LedgerProgress>,
  partitions: Set<number>,
  commits: Map<number, CursorCommit>,
): Promise<void> {
  const next = [...partitions].flatMap((partition) => progress.get(partition)?.commit() ?? [])
  await hold.commit(next)
  for (const each of next) commits.set(each.partition, each)
}

function cursorOf(partition: number, committed: CommittedOffset[]): PartitionCursor {
  const found = committed.find((each) => each.partition === partition)
  return {partition, committed: found?.offset ?? -1, handled: found && found.offset >= 0 ? decodeHandledRanges(found.metadata) : []}
}

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

function replayed(letter: DeadLetter, replayCount: number): ReplayedLetter {
  return {id: letter.id, job: letter.job, deadLetter: positionOf(letter), replayCount}
}

/** Refuses, before anything is done, a selection whose handled ranges the cursor could not hold. */
function assertRoom(state: DeadLetterState, letters: DeadLetter[]): void {
  const adding = new Map<number, number[]>()
  for (const letter of [...letters].sort((a, b) => a.offset - b.offset)) append(adding, letter.partition, letter.offset)

  const [problem] = cursorRoomProblems(state.ledgers, adding)
  if (problem) {
    throw new UsageError(
      `this selection would leave ${problem.ranges} separate stretches of handled dead letters after older pending ones on ${state.topic} partition ${problem.partition}, more than the ${MAX_HANDLED_RANGES} kq can remember: handle the older ones first, or select fewer (--since, --limit)`,
    )
  }
}
