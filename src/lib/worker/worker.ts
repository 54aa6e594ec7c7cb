import os from 'node:os'

import {type KqConfig, type QueueTopics, topicsForQueue} from '../config/index.js'
import {BrokerUnreachableError, ExitCode, errorMessage} from '../errors.js'
import {JobRegistry} from '../jobs/registry.js'
import {
  type PartitionBatch,
  type Publisher,
  type Subscriber,
  type TopicPartition,
  openPublisher,
  openSubscriber,
} from '../kafka/index.js'
import {type StopReason, WorkerEmitter, type WorkerSummary} from './events.js'
import {dueAt, lanesByKey} from './batch.js'
import {GroupProgress} from './group-progress.js'
import {BatchProgress, Slots} from './offsets.js'
import {type WorkerOptions, workerOptions} from './options.js'
import {type Handled, JobProcessor} from './processor.js'

const EXIT_CODES: Record<StopReason, number> = {
  signal: 0,
  'max-jobs': 0,
  'max-time': 0,
  empty: 0,
  memory: ExitCode.Memory,
  'broker-timeout': ExitCode.Unreachable,
  error: ExitCode.Failure,
}

/**
 * A queue worker, as Laravel's `queue:work`: it joins the consumer group on the queues' topics
 * and their retry topics, runs each job, and stops when told to or when a limit is reached.
 *
 *     const worker = new Worker(config, {queues: ['emails'], tries: 3})
 *     worker.on('job:failed', (event) => log(event))
 *     const summary = await worker.run()      // resolves once stopped
 *
 * The worker prints nothing; it emits events (see events.ts) for its owner to show.
 */
export class Worker extends WorkerEmitter {
  readonly options: WorkerOptions
  private readonly topics: QueueTopics[]
  private readonly identity = `${os.hostname()}:${process.pid}`
  private readonly stopController = new AbortController()
  private readonly counts = {processed: 0, failed: 0, deadLettered: 0, ran: 0}
  private readonly timers = new Set<NodeJS.Timeout>()
  /** Per partition: the last offset this worker resolved (the next to read is one more). */
  private readonly resolved = new Map<string, string>()
  private resolvedSinceCommit = false
  /** Retry partitions waiting for their next due record. */
  private readonly waitingRetries = new Set<string>()
  private slots: Slots
  private subscriber?: Subscriber
  private publisher?: Publisher
  private readonly groupProgress: GroupProgress
  private joined = false
  private stopReason?: StopReason
  private stopped?: Promise<WorkerSummary>
  private resolveStopped?: (summary: WorkerSummary) => void
  private brokerLostAt?: number
  private startedAt = 0
  /** Settles once run() has connected, or failed to: a stop meanwhile waits for it (see shutDown). */
  private connecting?: Promise<unknown>

  constructor(
    private readonly config: KqConfig,
    options: Partial<WorkerOptions> = {},
  ) {
    super()
    this.options = workerOptions(config, options)
    this.topics = this.options.queues.map((queue) => topicsForQueue(config, queue))
    this.slots = new Slots(this.options.concurrency)
    this.groupProgress = new GroupProgress(config.kafka, this.options.group)
  }

  /** Works until stopped; resolves with what was done and the exit code it deserves. */
  async run(): Promise<WorkerSummary> {
    this.startedAt = Date.now()
    if (this.stopReason !== undefined) return this.summary()
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve
    })
    let connected: {subscriber: Subscriber; processor: JobProcessor}
    const connecting = this.connect()
    this.connecting = connecting.catch(() => {})
    try {
      connected = await connecting
    } catch (error) {
      await this.publisher?.close().catch(() => {})
      await this.groupProgress.close()
      throw error
    }

    // Stopped while connecting: shutDown closes what connect() opened; joining now would leave a
    // member in the group, holding partitions, that nothing ever stops.
    if (this.stopReason !== undefined) return this.stopped

    const {subscriber, processor} = connected
    this.watchGroup(subscriber)
    this.emit('started', {
      queues: this.options.queues,
      topics: this.topics.flatMap((each) => [each.topic, each.retryTopic]),
      group: this.options.group,
      concurrency: this.options.concurrency,
      worker: this.identity,
    })
    this.startLimits()
    await subscriber.run((batch) => this.handleBatch(batch, processor))
    return this.stopped
  }

  /** Opens the producer (after checking every topic exists) and joins the group. */
  private async connect(): Promise<{subscriber: Subscriber; processor: JobProcessor}> {
    const registry = await JobRegistry.scan(this.config.jobsDir)
    this.publisher = await openPublisher(this.config.kafka)
    for (const topics of this.topics) {
      for (const topic of [topics.topic, topics.retryTopic, topics.deadLetterTopic]) {
        await this.publisher.assertTopicExists(topic)
      }
    }

    await this.groupProgress.assertGroupAccess()
    const processor = new JobProcessor({
      options: this.options,
      registry,
      publisher: this.publisher,
      events: this,
      topicsOf: (topic) => this.topicsOf(topic),
      maxMessageBytes: this.config.maxMessageBytes,
      worker: this.identity,
      stopping: this.stopController.signal,
    })
    this.subscriber = await openSubscriber(this.config.kafka, {
      groupId: this.options.group,
      topics: [
        ...this.topics.map((each) => ({name: each.topic, fromBeginning: this.options.fromBeginning})),
        // Retry records are written by this group's own workers: never skip any.
        ...this.topics.map((each) => ({name: each.retryTopic, fromBeginning: true})),
      ],
      sessionTimeoutMs: this.options.sessionTimeout * 1000,
      // The group waits this long for members to rejoin after a rebalance: long enough for a
      // job to finish within its timeout, so that a rebalance never hands it to someone else.
      rebalanceTimeoutMs: Math.max(60_000, (this.options.timeout + 30) * 1000),
      commitIntervalMs: this.options.commitInterval,
      partitionsConcurrently: Math.max(1, this.options.concurrency),
      // A stop waits for the fetch under way, and a retry partition resumed when its record is
      // due is fetched again only after it: half a second bounds both, for one idle request a
      // half second.
      maxWaitMs: 500,
    })
    return {subscriber: this.subscriber, processor}
  }

  /**
   * Stops fetching, lets running jobs finish (each within its timeout), commits what is done,
   * leaves the group. Safe to call more than once: the first reason is kept.
   */
  async stop(reason: StopReason = 'signal'): Promise<WorkerSummary> {
    if (this.stopReason === undefined) {
      this.stopReason = reason
      this.emit('stopping', {reason})
      this.stopController.abort()
      for (const timer of this.timers) clearTimeout(timer)
      void this.shutDown()
    }

    return this.stopped ?? this.summary()
  }

  private async shutDown(): Promise<void> {
    await this.connecting
    try {
      await this.subscriber?.commit(this.committableOffsets())
    } catch (error) {
      this.emit('warning', {message: `could not commit before stopping: ${errorMessage(error)}`})
    }

    await this.subscriber?.stop().catch(() => {})
    await this.publisher?.close().catch(() => {})
    await this.groupProgress.close()
    const summary = this.summary()
    this.emit('stopped', summary)
    this.resolveStopped?.(summary)
  }

  private async handleBatch(batch: PartitionBatch, processor: JobProcessor): Promise<void> {
    const key = `${batch.topic}:${batch.partition}`
    const isRetry = this.topicsOf(batch.topic).retryTopic === batch.topic
    // A retry record waits until it is due; records after it wait too (see README: ordering).
    const notDue = isRetry ? batch.messages.findIndex((message) => dueAt(message.headers) > Date.now()) : -1
    const runnable = notDue === -1 ? batch.messages : batch.messages.slice(0, notDue)
    const progress = new BatchProgress(runnable.length)
    let rebalancing = false
    const heartbeat = setInterval(() => {
      batch.heartbeat().catch(() => {
        rebalancing = true
      })
    }, 1000)
    const lanes = lanesByKey(runnable)
    let nextLane = 0
    let halted = false
    // A few runners take lanes (one key's records, in order) until none is left: never more
    // runners than jobs may run at once, however many keys a batch holds.
    const runLanes = async () => {
      while (!halted && nextLane < lanes.length) {
        const lane = lanes[nextLane++]
        for (const index of lane) {
          halted ||= !this.mayStart(batch) || rebalancing
          if (halted) return
          await this.slots.acquire()
          try {
            halted ||= !this.mayStart(batch) || rebalancing
            if (halted) return
            const handled = await processor.process(runnable[index])
            for (const each of handled) this.count(each)
            if (handled.includes('interrupted')) {
              halted = true
              return
            }
          } catch (error) {
            // A failure record that could not be written: this record stays unresolved and
            // comes again; the worker stops rather than run past a gap it cannot fill.
            this.emit('warning', {message: errorMessage(error)})
            void this.stop('error')
            halted = true
            return
          } finally {
            this.slots.release()
          }

          const last = progress.finish(index)
          if (last !== undefined) this.resolve(batch, runnable[last].offset, key)
        }
      }
    }

    try {
      await Promise.all(Array.from({length: Math.min(lanes.length, this.options.concurrency)}, runLanes))
    } finally {
      clearInterval(heartbeat)
    }

    if (notDue !== -1 && progress.complete && this.mayStart(batch)) this.waitForRetry(batch, key, notDue)
    if (this.stopReason !== undefined) {
      // Commit now, while still a member of the group: leaving loses uncommitted offsets.
      const next = this.nextOffset(key)
      if (next !== undefined) await batch.commitResolved(next).catch(() => {})
    }
  }

  /** Pauses a retry partition until its next record is due; the fetch then starts there again. */
  private waitForRetry(batch: PartitionBatch, key: string, index: number): void {
    const due = dueAt(batch.messages[index].headers)
    const resume = batch.pause()
    this.waitingRetries.add(key)
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      this.waitingRetries.delete(key)
      resume()
    }, Math.max(0, due - Date.now()))
    this.timers.add(timer)
  }

  private resolve(batch: PartitionBatch, offset: string, key: string): void {
    batch.resolveOffset(offset)
    this.resolvedSinceCommit = true
    this.resolved.set(key, offset)
  }

  private mayStart(batch: PartitionBatch): boolean {
    return this.stopReason === undefined && batch.isActive()
  }

  private count(handled: Handled): void {
    if (handled === 'skipped' || handled === 'interrupted') return
    // A poison record is dead-lettered without an attempt: not a job that ran, nor one that failed.
    if (handled === 'poisoned') {
      this.counts.deadLettered++
      return
    }

    this.counts.ran++
    if (handled === 'done') this.counts.processed++
    else this.counts.failed++
    if (handled === 'dead-lettered') this.counts.deadLettered++
    const {maxJobs, memory} = this.options
    if (maxJobs !== undefined && this.counts.ran >= maxJobs) void this.stop('max-jobs')
    if (memory !== undefined && process.memoryUsage.rss() > memory * 1024 * 1024) void this.stop('memory')
  }

  private watchGroup(subscriber: Subscriber): void {
    subscriber.on('joined', ({assignment}) => {
      if (this.stopReason !== undefined) return
      const firstJoin = !this.joined
      this.joined = true
      // Partitions given to another member are theirs now: committing this worker's old
      // position for them on shutdown would move their offset back, and replay their jobs.
      const owned = new Set(assignment.map(({topic, partition}) => `${topic}:${partition}`))
      for (const key of this.resolved.keys()) if (!owned.has(key)) this.resolved.delete(key)
      for (const key of this.waitingRetries) if (!owned.has(key)) this.waitingRetries.delete(key)
      if (this.brokerLostAt !== undefined) {
        this.brokerLostAt = undefined
        this.emit('broker:restored', {})
      }

      this.emit('assigned', {partitions: assignment})
      if (firstJoin && !this.options.fromBeginning) void this.warnOfSkippedJobs(assignment)
    })
    subscriber.on('crashed', ({error}) => {
      if (this.stopReason !== undefined) return
      if (this.brokerLostAt === undefined) {
        this.brokerLostAt = Date.now()
        const message = error instanceof BrokerUnreachableError ? `${error.brokers.join(',')}: ${error.reason}` : error.message
        this.emit('broker:lost', {error: {name: error.name, message}})
        this.after(this.options.brokerTimeout * 1000, () => {
          if (this.brokerLostAt !== undefined) void this.stop('broker-timeout')
        })
      }
    })
  }

  /** Warns when a new group started at the end of a queue topic, skipping jobs already there. */
  private async warnOfSkippedJobs(assignment: TopicPartition[]): Promise<void> {
    const skipped = await this.groupProgress.skippedAtStart(this.topics.map((each) => each.topic), assignment)
    for (const {topic, jobs} of skipped) {
      this.emit('warning', {
        message:
          `group ${this.options.group} had no committed offset on ${topic}, so it started at the end: ` +
          `${jobs} job(s) already there are skipped; run once with --from-beginning to work them`,
      })
    }
  }

  private startLimits(): void {
    if (this.options.maxTime !== undefined) this.after(this.options.maxTime * 1000, () => void this.stop('max-time'))
    if (this.options.stopWhenEmpty) this.pollForEmpty()
    this.commitPeriodically()
  }

  /**
   * Commits what was resolved since the last commit, every commit interval. Commits otherwise
   * happen as jobs finish; a long job after a few quick ones would leave those uncommitted for
   * as long as it runs, to be run again if the worker died meanwhile.
   */
  private commitPeriodically(): void {
    this.after(this.options.commitInterval, async () => {
      if (this.stopReason !== undefined) return
      if (this.resolvedSinceCommit) {
        this.resolvedSinceCommit = false
        await this.subscriber?.commit(this.committableOffsets()).catch(() => {
          this.resolvedSinceCommit = true
        })
      }

      this.commitPeriodically()
    })
  }

  /** Checks every half second, while no job runs, whether every assigned partition is worked out. */
  private pollForEmpty(): void {
    this.after(500, async () => {
      if (this.stopReason !== undefined) return
      if (this.joined && this.slots.busy === 0 && this.waitingRetries.size === 0 && (await this.isEmpty())) {
        void this.stop('empty')
        return
      }

      this.pollForEmpty()
    })
  }

  private async isEmpty(): Promise<boolean> {
    const positions = new Map([...this.resolved].map(([key, offset]) => [key, BigInt(offset) + 1n]))
    return this.groupProgress.isDrained(this.subscriber?.assigned() ?? [], positions)
  }

  private nextOffset(key: string): string | undefined {
    const last = this.resolved.get(key)
    return last === undefined ? undefined : (BigInt(last) + 1n).toString()
  }

  private committableOffsets(): Array<TopicPartition & {offset: string}> {
    return [...this.resolved.keys()].map((key) => {
      const separator = key.lastIndexOf(':')
      return {topic: key.slice(0, separator), partition: Number(key.slice(separator + 1)), offset: this.nextOffset(key) as string}
    })
  }

  private topicsOf(topic: string): QueueTopics {
    const found = this.topics.find((each) => each.topic === topic || each.retryTopic === topic)
    if (!found) throw new Error(`no queue reads topic ${topic}`)
    return found
  }

  private after(ms: number, action: () => void | Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      void action()
    }, ms)
    this.timers.add(timer)
  }

  private summary(): WorkerSummary {
    const reason = this.stopReason ?? 'signal'
    return {
      processed: this.counts.processed,
      failed: this.counts.failed,
      deadLettered: this.counts.deadLettered,
      seconds: (Date.now() - this.startedAt) / 1000,
      reason,
      exitCode: EXIT_CODES[reason],
    }
  }
}
