import {AuthorizationError, BrokerUnreachableError} from '../errors.js'
import {type Subscriber, type TopicPartition} from '../kafka/index.js'
import {decodeFinished} from './committer.js'
import {type Engine} from './engine.js'
import {type StopReason, type WorkerEmitter} from './events.js'
import {type GroupProgress} from './group-progress.js'
import {type PartitionLedger} from './ledger.js'
import {type TopicRole, partitionShares, startsAtBeginning} from './topic-roles.js'

export interface GroupMembershipDeps {
  /** The workers' consumer group, named in the warning about skipped jobs. */
  group: string
  roles: ReadonlyMap<string, TopicRole>
  /** The queues' main topics: the ones a new group may have started at the end of. */
  queueTopics: string[]
  /** Where the group stands on its partitions: committed offsets, ends, skipped jobs. */
  progress: GroupProgress
  /** --from-beginning: a new group reads the queues from their start, so skips nothing. */
  fromBeginning: boolean
  /** --broker-timeout, in milliseconds: how long the broker may be lost before the worker stops. */
  brokerTimeoutMs: number
  events: WorkerEmitter
  /** True once the worker is stopping: group events then change nothing. */
  stopping(): boolean
  stop(reason: StopReason): void
  /** Runs an action later, on a timer that the worker's stop clears. */
  after(ms: number, action: () => void): void
}

/**
 * This worker's place in its consumer group: what it does when partitions are about to move,
 * when it has joined with an assignment, and when its consumer crashes (the broker lost, or an
 * ACL that refuses it). It lives apart from the Worker so that the worker's file keeps only its
 * lifecycle, start to stop.
 */
export class GroupMembership {
  /** True once the worker has joined the group at least once. */
  joined = false
  /** Kafka refused the consumer for want of an ACL: waiting would not make it allowed. */
  refusal?: AuthorizationError
  /** This worker's share of each queue's partitions, by queue topic, as of its last join. */
  private shares = new Map<string, number>()
  private brokerLostAt?: number
  /** The level of the worker's last queue (0 for a worker of one queue). */
  private readonly lastLevel: number

  constructor(private readonly deps: GroupMembershipDeps) {
    this.lastLevel = Math.max(0, ...[...deps.roles.values()].map((role) => role.level))
  }

  /** This worker's share of a queue topic's partitions (1 before it has joined). */
  share(queueTopic: string): number {
    return this.shares.get(queueTopic) ?? 1
  }

  /**
   * Follows the subscriber's group events for the worker's life.
   * @param partitionCounts each queue topic's partition count, read at start, for the shares
   */
  watch(subscriber: Subscriber, engine: Engine, partitionCounts: ReadonlyMap<string, number>): void {
    // Before partitions move, commit what is finished, while they are still this worker's.
    subscriber.on('rebalancing', () => engine.commitNow())
    subscriber.on('joined', ({assignment}) => this.joinedWith(assignment, engine, partitionCounts))
    subscriber.on('crashed', ({error}) => this.crashed(error))
  }

  private joinedWith(assignment: TopicPartition[], engine: Engine, partitionCounts: ReadonlyMap<string, number>): void {
    const {events} = this.deps
    if (this.deps.stopping()) return
    const firstJoin = !this.joined
    this.joined = true
    this.shares = partitionShares(this.deps.roles, assignment, partitionCounts)
    void engine.assign(assignment, (ledger) => this.loadProgress(ledger))
    if (this.brokerLostAt !== undefined) {
      this.brokerLostAt = undefined
      events.emit('broker:restored', {})
    }

    events.emit('assigned', {partitions: assignment})
    if (firstJoin && !this.deps.fromBeginning) void this.warnOfSkippedJobs(assignment)
    void this.warnOfLeaderlessPartitions(assignment)
  }

  private crashed(error: Error): void {
    if (this.deps.stopping()) return
    // A group it may join but not read (DESCRIBE without READ) is refused only on joining.
    if (error instanceof AuthorizationError) {
      this.refusal = error
      this.deps.stop('refused')
      return
    }

    if (this.brokerLostAt === undefined) {
      this.brokerLostAt = Date.now()
      const message = error instanceof BrokerUnreachableError ? `${error.brokers.join(',')}: ${error.reason}` : error.message
      this.deps.events.emit('broker:lost', {error: {name: error.name, message}})
      this.deps.after(this.deps.brokerTimeoutMs, () => {
        if (this.brokerLostAt !== undefined) this.deps.stop('broker-timeout')
      })
    }
  }

  /**
   * What the partition's last owner finished above its committed watermark (see Committer), and
   * whether records wait there for this worker: false when it starts at the partition's end.
   */
  private async loadProgress(ledger: PartitionLedger): Promise<boolean> {
    // A partition of the last queue holds no queue back: its committed offset is all it needs.
    if (ledger.level >= this.lastLevel) {
      const committed = await this.deps.progress.committed(ledger.topic, ledger.partition)
      if (committed !== undefined && committed.offset >= 0) ledger.finishedBefore = decodeFinished(committed.offset, committed.metadata)
      return true
    }

    const {committed, offsets} = await this.deps.progress.partitionState(ledger.topic, ledger.partition)
    const resumes = committed !== undefined && committed.offset >= 0
    if (resumes) ledger.finishedBefore = decodeFinished(committed.offset, committed.metadata)
    const role = this.deps.roles.get(ledger.topic)
    if (!offsets || !role) return true
    const start = resumes ? Math.max(committed.offset, offsets.low) : startsAtBeginning(role, this.deps.fromBeginning) ? offsets.low : offsets.high
    return offsets.high > start
  }

  /**
   * Warns of assigned partitions that no broker leads: their jobs wait, unseen, while the others
   * are worked, and --stop-when-empty stops without them.
   */
  private async warnOfLeaderlessPartitions(assignment: TopicPartition[]): Promise<void> {
    const down = await this.deps.progress.leaderless(assignment)
    if (down.length === 0 || this.deps.stopping()) return
    const byTopic = new Map<string, number[]>()
    for (const {topic, partition} of down) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition])
    const named = [...byTopic].map(([topic, partitions]) => `${topic}[${partitions.join(',')}]`).join(', ')
    this.deps.events.emit('warning', {
      message: `no leader for ${named}: every broker holding a replica is down, so their jobs wait until one is back; the other partitions are worked`,
    })
  }

  /** Warns when a new group started at the end of a queue topic, skipping jobs already there. */
  private async warnOfSkippedJobs(assignment: TopicPartition[]): Promise<void> {
    const skipped = await this.deps.progress.skippedAtStart(this.deps.queueTopics, assignment)
    for (const {topic, jobs} of skipped) {
      this.deps.events.emit('warning', {
        message:
          `group ${this.deps.group} had no committed offset on ${topic}, so it started at the end: ` +
          `${jobs} job(s) already there are skipped; run once with --from-beginning to work them`,
      })
    }
  }
}
