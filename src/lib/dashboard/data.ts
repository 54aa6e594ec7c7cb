import {type BatchBook, BatchFollower, type BatchSummary, assertBatchId, batchReaderGroup, statusOf, summariesOf} from '../batch/index.js'
import {type KqConfig} from '../config/index.js'
import {findDeadLetters} from '../dead-letter/find.js'
import {type DeadLetterDetail, REPLAY_HEADERS, detailOf, positionOf, summaryOf} from '../dead-letter/letters.js'
import {DEFAULT_MAX_REPLAYS} from '../dead-letter/replay.js'
import {type Selection, selectDeadLetters} from '../dead-letter/selection.js'
import {DeadLetterStore, type PurgeResult, type ReplayResult} from '../dead-letter/store.js'
import {type JobHistory, findJobHistory} from '../job-history/index.js'
import {type StatusSnapshot, StatusMonitor} from '../monitoring/index.js'
import {NotFoundError, isRequestError} from './errors.js'
import {type Target} from './query.js'
import {type DeadLetterRow, type QueueRow, type WorkerRow} from './types.js'

/** Snapshots younger than this are shared: ten open pages make one read of Kafka, not ten. */
const SNAPSHOT_REUSE_MS = 1500

/**
 * What the dashboard shows and does, through the same library code as `kq status`, the `dlt:*`
 * and `batch:*` commands: a StatusMonitor for queues and workers, a DeadLetterStore (and its
 * crash-safe cursor) for dead letters, a BatchFollower for batches. Knows nothing of HTTP.
 */
export class DashboardData {
  private readonly monitor: StatusMonitor
  private latest?: {at: number; snapshot: Promise<StatusSnapshot>}
  private store?: Promise<DeadLetterStore>
  // One dead-letter operation at a time: a replay and a listing never share the reader.
  private queue: Promise<unknown> = Promise.resolve()

  private readonly batchFollower: BatchFollower
  private batchReads: Promise<unknown> = Promise.resolve()

  constructor(private readonly config: KqConfig) {
    this.batchFollower = new BatchFollower(config.kafka, config.batchTopic, batchReaderGroup(config.consumerGroup))
    this.monitor = new StatusMonitor(config.kafka, config, {group: config.consumerGroup, controlTopic: config.controlTopic, thresholds: {}})
  }

  /** Every queue found, as `kq status` reports it; rates over the time since the last read. */
  async queues(): Promise<{time: string; queues: QueueRow[]}> {
    const snapshot = await this.snapshot()
    const queues = snapshot.queues.map((queue) => ({
      queue: queue.queue,
      topic: queue.topic,
      lag: queue.lag,
      delayed: queue.delayed,
      retrying: queue.retryLag,
      deadLetters: queue.pendingDeadLetters,
      throughputPerMinute: queue.rate === null ? null : queue.rate * 60,
      workers: queue.workers,
      drainSeconds: queue.drainSeconds,
      paused: queue.paused,
    }))
    return {time: snapshot.time, queues}
  }

  /**
   * The members of the workers' group: the host, pid and name each `kq work` published on
   * joining; for other members, the address Kafka saw and the name in the client id.
   */
  async workers(): Promise<{group: string; state: string; workers: WorkerRow[]}> {
    const {group} = await this.snapshot()
    const prefix = `${this.config.kafka.clientId}.`
    const workers = group.members.map((member) => ({
      memberId: member.memberId,
      clientId: member.clientId,
      name: member.process?.name ?? (member.clientId.startsWith(prefix) ? member.clientId.slice(prefix.length) : null),
      host: member.process?.host ?? member.host.replace(/^\//, ''),
      address: member.host.replace(/^\//, ''),
      pid: member.process?.pid ?? null,
      partitions: member.assignment.map(({topic, partition}) => `${topic}:${partition}`),
    }))
    return {group: group.id, state: group.state, workers}
  }

  /** Pending dead letters of one queue, or of every queue, newest first. */
  async deadLetters(where: {queue?: string; filter: Selection; limit: number}): Promise<{deadLetters: DeadLetterRow[]; total: number}> {
    const queues = where.queue === undefined ? (await this.queues()).queues.map((each) => each.queue) : [where.queue]
    const rows = await this.withStore(async (store) => {
      const found: DeadLetterRow[] = []
      for (const queue of queues) {
        const state = await store.load(queue)
        found.push(...selectDeadLetters(state.letters, where.filter, state.topic).map((letter) => ({queue, ...summaryOf(letter)})))
      }

      return found
    })
    rows.sort((a, b) => Date.parse(b.failedAt) - Date.parse(a.failedAt))
    return {deadLetters: rows.slice(0, where.limit), total: rows.length}
  }

  /** One dead letter in full, with its lineage: where it was replayed from, and its other dead letters. */
  async deadLetter(queue: string, id: string): Promise<DeadLetterDetail & {queue: string; replayedFrom: string | null; others: string[]}> {
    return this.withStore(async (store) => {
      const {matches} = await findDeadLetters(this.config, store, id, {queue, named: true})
      if (matches.length === 0) throw new NotFoundError(`no dead letter has id ${id} in queue ${queue}`)
      const [newest, ...older] = matches
      return {queue, ...detailOf(newest, this.config.encryption), replayedFrom: newest.headers[REPLAY_HEADERS.replayedFrom] ?? null, others: older.map((letter) => positionOf(letter))}
    })
  }

  /** Job `id`'s records and where it is now, within the bounds of findJobHistory. */
  async job(id: string, queue?: string): Promise<JobHistory> {
    return findJobHistory(this.config, id, queue === undefined ? {} : {queue})
  }

  /** Every batch on the batch topic, newest first, as `kq batch:list` reads them; `running`: those not yet ended. */
  async batches(running: boolean): Promise<{batches: BatchSummary[]}> {
    return {batches: summariesOf(await this.batchBook(), {running}).reverse()}
  }

  /** One batch, as `kq batch:show` reads it. */
  async batch(id: string): Promise<BatchSummary> {
    assertBatchId(id)
    const batch = (await this.batchBook()).get(id)
    if (batch === undefined) throw new NotFoundError(`no batch ${id} on ${this.config.batchTopic} (a batch is kept as long as the topic's retention)`)
    return {...batch, status: statusOf(batch)}
  }

  /**
   * The batch topic read up to now: from its start on the first call, then only what was
   * written since, as `kq status --watch` reads it. One read at a time: each goes on from the last.
   */
  private async batchBook(): Promise<BatchBook> {
    const read = this.batchReads.catch(() => {}).then(async () => this.batchFollower.refresh())
    this.batchReads = read
    return read
  }

  async replay(target: Target): Promise<ReplayResult> {
    return this.withStore(async (store) => {
      const state = await store.load(target.queue)
      const selected = selectDeadLetters(state.letters, target.selection, state.topic)
      return store.replay(state, selected, {maxReplays: DEFAULT_MAX_REPLAYS, maxMessageBytes: this.config.maxMessageBytes})
    })
  }

  async purge(target: Target): Promise<PurgeResult> {
    return this.withStore(async (store) => {
      const state = await store.load(target.queue)
      return store.purge(state, selectDeadLetters(state.letters, target.selection, state.topic))
    })
  }

  async close(): Promise<void> {
    await this.monitor.close()
    const store = this.store
    this.store = undefined
    await (await store?.catch(() => undefined))?.close()
  }

  private async snapshot(): Promise<StatusSnapshot> {
    const now = Date.now()
    if (this.latest === undefined || now - this.latest.at > SNAPSHOT_REUSE_MS) {
      const snapshot = this.monitor.snapshot().then(({snapshot}) => snapshot)
      this.latest = {at: now, snapshot}
      // A failed read is not kept: the next request tries again.
      snapshot.catch(() => {
        if (this.latest?.snapshot === snapshot) this.latest = undefined
      })
    }

    return this.latest.snapshot
  }

  /** Runs `work` after the dead-letter operations before it; a failed one drops the connection. */
  private async withStore<T>(work: (store: DeadLetterStore) => Promise<T>): Promise<T> {
    const run = this.queue.catch(() => {}).then(async () => {
      this.store ??= DeadLetterStore.open(this.config)
      try {
        return await work(await this.store)
      } catch (error) {
        if (!isRequestError(error)) await this.dropStore()
        throw error
      }
    })
    this.queue = run
    return run
  }

  private async dropStore(): Promise<void> {
    const store = this.store
    this.store = undefined
    await (await store?.catch(() => undefined))?.close()
  }
}
