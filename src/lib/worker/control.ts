import {type KafkaConnectionConfig} from '../config/index.js'
import {CONTROL_POLL_MS, type ControlChange, ControlState, controlReaderGroup, readControl} from '../control/index.js'
import {errorMessage} from '../errors.js'
import {type IncomingMessage, type Subscriber, type TopicPartition, type TopicReader, openTopicReader} from '../kafka/index.js'
import {type Engine, type EngineDeps} from './engine.js'
import {type WorkerEmitter} from './events.js'
import {type TopicRole} from './topic-roles.js'

export interface WorkerControlDeps {
  connection: KafkaConnectionConfig
  /** The control topic (KQ_CONTROL_TOPIC). */
  topic: string
  /** The workers' group: reader groups are named after it, so that prefixed ACLs cover them. */
  group: string
  roles: ReadonlyMap<string, TopicRole>
  events: WorkerEmitter
  /** A restart was asked after this worker started: stop as on SIGTERM. */
  restart(): void
  /** Work paused queues all the same (--force), saying so. */
  force: boolean
}

/** Longest a stopping worker waits for the control reader to close. */
const CLOSE_WAIT_MS = 3000

const keyOf = ({topic, partition}: TopicPartition) => `${topic}:${partition}`

/**
 * What `kq restart`, `kq pause` and `kq continue` do to one worker. It reads the control topic
 * through a reader that joins no group of the workers (so it takes no partition from them), and
 * holds a paused queue in two places: the engine starts none of its waiting jobs, and its
 * partitions stay paused at the subscriber whatever the engine resumes (a buffer with room, a
 * delay that is due), without leaving the group, so nothing is rebalanced.
 */
export class WorkerControl {
  private reader?: TopicReader
  private readonly state = new ControlState()
  /** The control topic's end when this worker started: a restart at or past it is newer. */
  private startOffset = 0
  private next = 0
  private readonly heldLevels = new Set<number>()
  /** Partitions the engine has paused for its own reasons: continue leaves them paused. */
  private readonly pausedByEngine = new Set<string>()
  /**
   * Partitions kept paused for a held queue, revoked ones included: the client remembers a pause
   * across rebalances, so continue resumes each of them, or one given back later stays paused.
   */
  private readonly pausedByHold = new Map<string, TopicPartition>()
  private engine?: Engine
  private subscriber?: Subscriber
  private timer?: NodeJS.Timeout
  private closed = false
  private failing = false

  constructor(private readonly deps: WorkerControlDeps) {}

  /** Reads the control topic as it is now: a queue paused before this worker started starts held. */
  async open(): Promise<void> {
    this.reader = await openTopicReader(this.deps.connection)
    this.next = await readControl(this.reader, this.deps.topic, 0, this.readerGroup, (message) => this.state.apply(message))
    this.startOffset = this.next
  }

  /** The engine's pause and resume as they reach the subscriber: a held queue's partitions are never resumed. */
  gate(subscriber: Subscriber): Pick<EngineDeps, 'pause' | 'resume'> {
    this.subscriber = subscriber
    return {
      pause: (partitions) => {
        for (const partition of partitions) this.pausedByEngine.add(keyOf(partition))
        subscriber.pause(partitions)
      },
      resume: (partitions) => {
        for (const partition of partitions) this.pausedByEngine.delete(keyOf(partition))
        const withheld = partitions.filter((partition) => this.isHeld(partition.topic))
        for (const partition of withheld) this.pausedByHold.set(keyOf(partition), partition)
        subscriber.resume(partitions.filter((partition) => !this.isHeld(partition.topic)))
      },
    }
  }

  /** Holds the queues paused now, then polls for changes until closed. */
  start(engine: Engine, subscriber: Subscriber): void {
    this.engine = engine
    // A new partition of a held queue, or one a restarted consumer forgot it had paused.
    subscriber.on('joined', ({assignment}) => this.pauseHeld(assignment.filter((partition) => this.isHeld(partition.topic))))
    for (const record of this.state.paused.values()) this.apply({kind: 'paused', record})
    this.schedule()
  }

  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.timer)
    // The reader commits nothing, so its close is best effort: with the broker gone, it (or a read
    // in flight) may wait on kafkajs's own timeouts, and a stopping worker must not wait with it.
    let bound: NodeJS.Timeout | undefined
    const waited = new Promise<void>((resolve) => {
      bound = setTimeout(resolve, CLOSE_WAIT_MS).unref()
    })
    await Promise.race([this.reader?.close().catch(() => {}), waited])
    clearTimeout(bound)
  }

  private get readerGroup(): string {
    return controlReaderGroup(this.deps.group)
  }

  private isHeld(topic: string): boolean {
    const role = this.deps.roles.get(topic)
    return role !== undefined && this.heldLevels.has(role.level)
  }

  private pauseHeld(partitions: TopicPartition[]): void {
    for (const partition of partitions) this.pausedByHold.set(keyOf(partition), partition)
    this.subscriber?.pause(partitions)
  }

  private resumeHeld(partitions: TopicPartition[]): void {
    for (const partition of partitions) this.pausedByHold.delete(keyOf(partition))
    this.subscriber?.resume(partitions.filter((partition) => !this.pausedByEngine.has(keyOf(partition))))
  }

  private schedule(): void {
    if (this.closed) return
    this.timer = setTimeout(() => void this.poll(), CONTROL_POLL_MS)
  }

  private async poll(): Promise<void> {
    try {
      this.next = await readControl(this.reader!, this.deps.topic, this.next, this.readerGroup, (message) => this.take(message))
      this.failing = false
    } catch (error) {
      // Said once per outage: a lost broker is also reported by the subscriber.
      if (!this.failing && !this.closed) {
        this.deps.events.emit('warning', {
          message: `cannot read ${this.deps.topic} for restart, pause and continue (${errorMessage(error)}): trying again every ${CONTROL_POLL_MS / 1000}s`,
        })
      }

      this.failing = true
    }

    this.schedule()
  }

  private take(message: IncomingMessage): void {
    const change = this.state.apply(message)
    if (change !== undefined && !this.closed) this.apply(change)
  }

  private apply(change: ControlChange): void {
    const {at, by} = change.record
    if (change.kind === 'restart') {
      // One asked before this worker started is what started it.
      if (change.offset < this.startOffset) return
      this.deps.events.emit('restart', {at, by})
      this.deps.restart()
      return
    }

    const role = this.deps.roles.get(change.record.topic)
    if (role?.kind !== 'queue') return
    const held = change.kind === 'paused'
    if (held && this.deps.force) {
      this.deps.events.emit('warning', {message: `queue ${role.topics.queue} was paused by ${by}: working it all the same (--force)`})
      return
    }

    if (held) this.heldLevels.add(role.level)
    else this.heldLevels.delete(role.level)
    this.engine?.holdQueue(role.level, held)
    const ofQueue = (partition: TopicPartition) => this.deps.roles.get(partition.topic)?.level === role.level
    if (held) this.pauseHeld((this.subscriber?.assigned() ?? []).filter(ofQueue))
    else this.resumeHeld([...this.pausedByHold.values()].filter(ofQueue))
    this.deps.events.emit(change.kind, {queue: role.topics.queue, topic: role.topics.topic, at, by})
  }
}
