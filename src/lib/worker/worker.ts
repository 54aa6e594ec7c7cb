import os from 'node:os'

import {batchReaderGroup} from '../batch/groups.js'
import {type KqConfig, type QueueTopics, topicsForQueue} from '../config/index.js'
import {errorMessage} from '../errors.js'
import {assertJobsFolder} from '../jobs/files.js'
import {JobRegistry, noJobsWarning} from '../jobs/registry.js'
import {type Publisher, type Subscriber, type TopicPartition, openPublisher} from '../kafka/index.js'
import {assertQueueTopics} from '../topics/assert.js'
import {CommitWarning} from './commit-warning.js'
import {closeWithin} from './closing.js'
import {type WorkerControl} from './control.js'
import {type Engine} from './engine.js'
import {type StopReason, WorkerEmitter, type WorkerSummary} from './events.js'
import {GroupMembership} from './group-membership.js'
import {GroupProgress} from './group-progress.js'
import {type WorkerOptions, workerOptions} from './options.js'
import {type Handled, type JobProcessor} from './processor.js'
import {StopConditions} from './stop-conditions.js'
import {openWorkerSubscriber} from './subscription.js'
import {Tally} from './tally.js'
import {type TopicRole, topicRoles} from './topic-roles.js'
import {UnknownJobsLeft} from './unknown-left.js'

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
  private readonly identity: string
  private readonly stopController = new AbortController()
  private readonly tally = new Tally()
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly roles: Map<string, TopicRole>
  private engine?: Engine
  private subscriber?: Subscriber
  private publisher?: Publisher
  private processor?: JobProcessor
  private control?: WorkerControl
  private readonly groupProgress: GroupProgress
  private readonly membership: GroupMembership
  private readonly limits: StopConditions
  private stopReason?: StopReason
  private stopped?: Promise<WorkerSummary>
  private resolveStopped?: (summary: WorkerSummary) => void
  private readonly commitWarning = new CommitWarning(
    (message) => this.emit('warning', {message}),
    () => this.stopReason !== undefined,
  )
  /** Settles once run() has connected, or failed to: a stop meanwhile waits for it (see shutDown). */
  private connecting?: Promise<unknown>
  /** Each queue topic's partition count, read at start, for the middleware's shares of a limit. */
  private partitionCounts = new Map<string, number>()
  /** With --stop-when-empty: the retries of jobs it does not know, which it does not wait for. */
  private readonly unknownLeft?: UnknownJobsLeft

  constructor(
    private readonly config: KqConfig,
    options: Partial<WorkerOptions> = {},
  ) {
    super()
    this.options = workerOptions(config, options)
    const where = `${os.hostname()}:${process.pid}`
    this.identity = this.options.name === undefined ? where : `${this.options.name}@${where}`
    this.topics = this.options.queues.map((queue) => topicsForQueue(config, queue))
    this.roles = topicRoles(this.topics)
    if (this.options.stopWhenEmpty) this.unknownLeft = new UnknownJobsLeft()
    this.groupProgress = new GroupProgress(config.kafka, this.options.group)
    this.membership = new GroupMembership({
      group: this.options.group,
      roles: this.roles,
      queueTopics: this.topics.map((each) => each.topic),
      progress: this.groupProgress,
      fromBeginning: this.options.fromBeginning,
      brokerTimeoutMs: this.options.brokerTimeout * 1000,
      events: this,
      stopping: () => this.stopReason !== undefined,
      stop: (reason) => void this.stop(reason),
      after: (ms, action) => this.after(ms, action),
    })
    this.limits = new StopConditions({
      options: this.options,
      stop: (reason) => void this.stop(reason),
      stopping: () => this.stopReason !== undefined,
      after: (ms, action) => this.after(ms, action),
      drained: async () => this.membership.joined && this.engine?.quiet === true && this.isEmpty(),
    })
  }

  /** Works until stopped; resolves with what was done and the exit code it deserves. */
  async run(): Promise<WorkerSummary> {
    this.tally.start()
    if (this.stopReason !== undefined) return this.summary()
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve
    })
    let connected: {subscriber: Subscriber; engine: Engine}
    const connecting = this.connect()
    this.connecting = connecting.catch(() => {})
    try {
      connected = await connecting
    } catch (error) {
      await this.publisher?.close().catch(() => {})
      await this.control?.close()
      await this.groupProgress.close()
      throw error
    }

    // Stopped while connecting: shutDown closes what connect() opened; joining now would leave a
    // member in the group, holding partitions, that nothing ever stops.
    if (this.stopReason !== undefined) return this.stopped

    const {subscriber, engine} = connected
    this.membership.watch(subscriber, engine, this.partitionCounts)
    this.control!.start(engine, subscriber)
    this.emit('started', {
      queues: this.options.queues,
      topics: this.topics.flatMap((each) => [each.topic, each.retryTopic]),
      group: this.options.group,
      concurrency: this.options.concurrency,
      worker: this.identity,
    })
    this.limits.start()
    await subscriber.run(engine)
    const summary = await this.stopped
    if (this.membership.refusal !== undefined) throw this.membership.refusal
    return summary
  }

  /** Opens the producer (after checking every topic exists) and joins the group. */
  private async connect(): Promise<{subscriber: Subscriber; engine: Engine}> {
    // The engine, the job processor and the control topic's listener load when a worker starts,
    // not with kq: every job file imports kq, and a one-job `kq dispatch` loads one.
    const [{WorkerControl}, {JobProcessor}, {Engine}] = await Promise.all([import('./control.js'), import('./processor.js'), import('./engine.js')])
    // A folder named on purpose that is not there is a typo, as kq work says: every job would be
    // dead-lettered as unknown. The default folder may be empty while an app is set up: a warning.
    if (this.config.jobsDir !== this.config.defaultJobsDir) assertJobsFolder(this.config.jobsDir)
    const registry = await JobRegistry.scan(this.config.jobsDir)
    // Most often the wrong folder: every job would look unknown to this worker.
    if (registry.names().length === 0) this.emit('warning', {message: noJobsWarning(this.config.jobsDir)})
    this.control = new WorkerControl({
      connection: this.config.kafka,
      topic: this.config.controlTopic,
      group: this.options.group,
      roles: this.roles,
      events: this,
      restart: () => void this.stop('restart'),
      force: this.options.force,
    })
    // Side by side, each a few round trips: one after the other, they were most of start-up.
    // All settle before any failure is thrown, so that run() closes whatever did open.
    const opening = await Promise.allSettled([
      openPublisher(this.config.kafka).then(async (publisher) => {
        this.publisher = publisher
        await assertQueueTopics(publisher, this.topics)
      }),
      this.control.open(),
      this.groupProgress.assertGroupAccess(),
      this.groupProgress.partitionCounts(this.topics.map((each) => each.topic)).then((counts) => {
        this.partitionCounts = counts
      }),
    ])
    const failure = opening.find((each) => each.status === 'rejected')
    if (failure) throw failure.reason
    const publisher = this.publisher!
    const processor = new JobProcessor({
      options: this.options,
      registry,
      publisher,
      events: this,
      topicsOf: (topic) => this.topicsOf(topic),
      maxMessageBytes: this.config.maxMessageBytes,
      ...(this.config.encryption && {keyring: this.config.encryption}),
      worker: this.identity,
      ...(this.unknownLeft && {unknownLeft: this.unknownLeft}),
      stopping: this.stopController.signal,
      share: (topic) => this.membership.share(this.topicsOf(topic).topic),
      topicOfQueue: (queue) => topicsForQueue(this.config, queue).topic,
      batches: {connection: this.config.kafka, topic: this.config.batchTopic, readerGroup: batchReaderGroup(this.options.group)},
      withoutLeader: async (topic) => this.groupProgress.withoutLeader(topic),
      writesWaitingChanged: () => this.engine?.wake(),
    })
    this.processor = processor
    const subscriber = await openWorkerSubscriber(this.config.kafka, this.options, this.roles)
    this.subscriber = subscriber
    this.engine = new Engine({
      concurrency: this.options.concurrency,
      prefetch: this.options.prefetch,
      restMs: this.options.rest * 1000,
      group: this.options.group,
      roles: this.roles,
      processor,
      // A paused queue's partitions stay paused whatever the engine resumes (kq pause).
      ...this.control.gate(subscriber),
      commit: (positions) => subscriber.commit(positions),
      handled: (handled) => this.count(handled),
      commitsFailing: (failing, error) => this.commitWarning.update(failing, error),
      ...(this.options.stopWhenEmpty && {outOfWork: () => this.limits.outOfWork()}),
      failed: (error) => {
        // A failure record that could not be written: its record stays unfinished and comes
        // again; the worker stops rather than run past a gap it cannot fill.
        this.emit('warning', {message: errorMessage(error)})
        void this.stop('error')
      },
    })
    return {subscriber, engine: this.engine}
  }

  /**
   * Stops fetching, lets running jobs finish (each within its timeout), commits what is done,
   * leaves the group. Safe to call more than once: the first reason is kept.
   */
  async stop(reason: StopReason = 'signal'): Promise<WorkerSummary> {
    if (this.stopReason === undefined) {
      this.stopReason = reason
      const left = reason === 'empty' ? this.unknownLeft?.describe(this.options.unknownJobGrace) : undefined
      if (left !== undefined) this.emit('warning', {message: left})
      this.emit('stopping', {reason})
      this.stopController.abort()
      for (const timer of this.timers) clearTimeout(timer)
      // At once, not after a tick: a job finishing now must not start another. A failure here
      // must not keep the stop from running: the worker would never end.
      try {
        this.engine?.stopStarting()
      } catch (error) {
        this.emit('warning', {message: `stopping: ${errorMessage(error)}`})
      }

      void this.shutDown()
    }

    return this.stopped ?? this.summary()
  }

  private async shutDown(): Promise<void> {
    await this.connecting
    // Again: an engine made while connecting has not been told yet.
    try {
      this.engine?.stopStarting()
    } catch (error) {
      this.emit('warning', {message: `stopping: ${errorMessage(error)}`})
    }

    // Running jobs finish (each within its own timeout) and are committed while this worker is
    // still a member: leaving first would hand them to another worker to run again. Only the
    // steps that wait on Kafka are bounded here.
    await this.engine?.idle()
    await this.closeWithin('committing finished jobs', 'they run again on the partitions\' next owner', async () => {
      try {
        await this.engine?.flush()
      } catch (error) {
        this.emit('warning', {message: `could not commit before stopping: ${errorMessage(error)}`})
      }
    })
    // Nothing is left to write or commit: the connections close side by side.
    await Promise.all([
      this.closeWithin(`leaving group ${this.options.group}`, 'Kafka hands its partitions on once its session times out', async () => this.subscriber?.stop()),
      this.control?.close(),
      this.closeWithin('closing the batch topic reader', 'it held nothing', async () => this.processor?.close()),
      this.closeWithin('closing the producer', 'the jobs had finished their writes', async () => this.publisher?.close()),
      this.closeWithin('closing the admin connection', 'it held nothing', async () => this.groupProgress.close()),
    ])
    const summary = this.summary()
    this.emit('stopped', summary)
    this.resolveStopped?.(summary)
  }

  /** Runs one step of a stop, giving up with a warning when Kafka does not answer (see closeWithin). */
  private async closeWithin(what: string, leftBehind: string, close: () => Promise<unknown>): Promise<void> {
    await closeWithin({what, leftBehind, close}, (message) => this.emit('warning', {message}))
  }

  private count(handled: Handled): void {
    this.tally.add(handled)
    this.limits.afterJob(this.tally.ran)
  }

  private async isEmpty(): Promise<boolean> {
    const left = this.unknownLeft
    return this.groupProgress.isDrained(this.subscriber?.assigned() ?? [], this.engine?.positions() ?? new Map(), left && ((partition, from) => left.countFrom(partition, from)))
  }

  /** Records left to work on each partition this worker holds, asked of Kafka (for metrics). */
  async remaining(): Promise<Array<TopicPartition & {jobs: number}>> {
    return this.groupProgress.remaining(this.subscriber?.assigned() ?? [], this.engine?.positions() ?? new Map())
  }

  private topicsOf(topic: string): QueueTopics {
    const found = this.roles.get(topic)
    if (!found) throw new Error(`no queue reads topic ${topic}`)
    return found.topics
  }

  private after(ms: number, action: () => void | Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      void action()
    }, ms)
    this.timers.add(timer)
  }

  private summary(): WorkerSummary {
    return this.tally.summary(this.stopReason ?? 'signal')
  }
}
