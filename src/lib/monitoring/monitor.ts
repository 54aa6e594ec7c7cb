import {setTimeout as sleep} from 'node:timers/promises'

import {type BatchBook, BatchFollower, batchReaderGroup, statusOf} from '../batch/index.js'
import {type KafkaConnectionConfig} from '../config/index.js'
import {AuthorizationError} from '../errors.js'
import {type QueueNaming} from '../config/topics.js'
import {deadLetterCursorGroup} from '../dead-letter/backlog.js'
import {controlReaderGroup, readPausedQueues} from '../control/index.js'
import {type TopicAdmin, openTopicAdmin} from '../kafka/index.js'
import {type Crossing, type Crossings, alertChanges, crossingsOf} from './alerts.js'
import {type CommitSample} from './drain.js'
import {findQueues, readCommits, readStatus} from './read.js'
import {buildSnapshot, commitSample} from './snapshot.js'
import {type StatusRequest, type StatusSnapshot} from './types.js'

/**
 * Takes status snapshots one after another, remembering what rates and alerts are measured
 * against: the previous commit samples, and the thresholds already crossed. One admin
 * connection serves every snapshot; after a failed read it is dropped and opened anew next time,
 * so that `--watch` rides out a broker restart.
 */
export class StatusMonitor {
  private admin?: Promise<TopicAdmin>
  private samples = new Map<string, CommitSample>()
  private crossed: Crossing[] = []
  private batches?: BatchFollower

  constructor(
    private readonly connection: KafkaConnectionConfig,
    private readonly naming: QueueNaming,
    private readonly request: StatusRequest,
  ) {}

  /** The dead-letter cursor group: dead letters past its committed offsets are pending. */
  get deadLetterGroup(): string {
    return deadLetterCursorGroup(this.request.group)
  }

  /** Reads the committed offsets alone, to start a rate window that the next snapshot ends. */
  async mark(): Promise<void> {
    await this.reading(async (admin) => {
      const {queues} = await findQueues(admin, this.naming, this.request.queues, this.request.whenNoneFound)
      const {at, committed} = await readCommits(admin, this.request.group, queues.map((queue) => queue.topic))
      for (const [topic, offsets] of committed) this.samples.set(topic, commitSample(at, offsets))
    })
  }

  /**
   * A snapshot, with rates over the window since the last mark or snapshot, and the thresholds
   * crossed or cleared since the last snapshot (all crossed ones, the first time).
   */
  async snapshot(): Promise<{snapshot: StatusSnapshot; changes: Crossings}> {
    const {controlTopic} = this.request
    if (this.request.batchTopic !== undefined) {
      this.batches ??= new BatchFollower(this.connection, this.request.batchTopic, batchReaderGroup(this.request.group))
    }

    const [reading, paused, batches] = await Promise.all([
      this.reading(async (admin) => {
        const {queues, existing} = await findQueues(admin, this.naming, this.request.queues, this.request.whenNoneFound)
        return readStatus(admin, queues, existing, {workers: this.request.group, deadLetters: this.deadLetterGroup})
      }),
      controlTopic === undefined ? undefined : readPausedQueues(this.connection, controlTopic, controlReaderGroup(this.request.group)),
      this.readBatches(),
    ])
    if (paused) reading.paused = paused
    const {snapshot, samples} = buildSnapshot(reading, {
      thresholds: this.request.thresholds,
      deadLetterGroup: this.deadLetterGroup,
      previous: this.samples,
      minInsyncReplicas: this.request.minInsyncReplicas,
    })
    this.samples = samples
    if (batches !== undefined) {
      snapshot.batches = batches
        .all()
        .map((batch) => ({...batch, status: statusOf(batch)}))
        .filter(({status}) => status === 'running' || status === 'ending')
    }

    const crossed = crossingsOf(snapshot.queues)
    const changes = alertChanges(this.crossed, crossed)
    this.crossed = crossed
    return {snapshot, changes}
  }

  /**
   * The batches, unless there is no batch topic to follow, or the principal may not read it: a
   * role granted before batches existed still gets its status, without them.
   */
  private async readBatches(): Promise<BatchBook | undefined> {
    try {
      return await this.batches?.refresh()
    } catch (error) {
      if (error instanceof AuthorizationError) return undefined
      throw error
    }
  }

  /** A snapshot with rates over `seconds`: a mark, a wait, then the snapshot. No wait for 0. */
  async sampled(seconds: number, signal?: AbortSignal): Promise<{snapshot: StatusSnapshot; changes: Crossings}> {
    if (seconds > 0) {
      await this.mark()
      await sleep(seconds * 1000, undefined, {signal}).catch(() => {})
    }

    return this.snapshot()
  }

  async close(): Promise<void> {
    const admin = this.admin
    this.admin = undefined
    await (await admin?.catch(() => undefined))?.close().catch(() => {})
  }

  private async reading<T>(read: (admin: TopicAdmin) => Promise<T>): Promise<T> {
    this.admin ??= openTopicAdmin(this.connection)
    try {
      return await read(await this.admin)
    } catch (error) {
      await this.close()
      throw error
    }
  }
}
