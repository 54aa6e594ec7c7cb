import {setTimeout as sleep} from 'node:timers/promises'

import {FAILURE_HEADERS} from '../failure/headers.js'
import {HOLD_MS} from '../delay/ladder.js'
import {type FetchedRecords, type TopicPartition} from '../kafka/index.js'
import {Committer} from './committer.js'
import {LadderMover, dueAt, leavesRung} from './delay-routing.js'
import {FetchFlow} from './fetch-flow.js'
import {Held} from './held.js'
import {type PartitionLedger} from './ledger.js'
import {OwnedPartitions} from './owned-partitions.js'
import {type Handled, type JobProcessor} from './processor.js'
import {type Entry, Scheduler} from './scheduler.js'
import {StartGate} from './start-gate.js'
import {type TopicRole} from './topic-roles.js'

export interface EngineDeps {
  concurrency: number
  /** Records taken but not started, in all, above which fetching pauses (see README: prefetch). */
  prefetch: number
  /** How long a slot rests after each job before it takes another (--rest). */
  restMs: number
  group: string
  roles: ReadonlyMap<string, TopicRole>
  processor: JobProcessor
  pause(partitions: TopicPartition[]): void
  resume(partitions: TopicPartition[]): void
  commit: ConstructorParameters<typeof Committer>[1]
  /** Each record's end, for the worker's counts and limits. */
  handled(handled: Handled): void
  /** A record could not be finished (its retry, dead letter or move was not written): stop. */
  failed(error: unknown): void
  /**
   * Told whenever the engine runs out of work: nothing runs or waits, and every partition is
   * taken up to the end its last fetch saw. For --stop-when-empty, which then asks Kafka at once.
   */
  outOfWork?(): void
  /** Commits started failing (with why), or work again: no job starts in between. */
  commitsFailing?(failing: boolean, error?: unknown): void
}

/**
 * The pipeline between fetching and running: records are taken as they are fetched into a
 * bounded buffer, each starts as soon as a slot is free and its key allows, and each
 * partition's watermark is committed as jobs finish. Nothing waits for the rest of a batch.
 */
export class Engine {
  private readonly partitions = new OwnedPartitions()
  private readonly scheduler: Scheduler
  private readonly flow: FetchFlow
  private readonly held: Held<Entry>
  private readonly committer: Committer
  private readonly ladder: LadderMover
  private readonly gate = new StartGate(() => this.pump())
  /** Made once: pump() asks it for every job it starts. */
  private readonly isHeld = (level: number): boolean => this.scheduler.isHeld(level)
  private running = 0
  private stopping = false
  /**
   * Set while commits fail (the broker or the group is away): nothing new starts, since what
   * finishes could not be committed and would run again after a restart. Running jobs finish.
   */
  private commitsFailing = false
  /** Settles when stopStarting runs: a partition's ready() wait ends with it. */
  private readonly stopped: Promise<void>
  private markStopped!: () => void
  private idleWaiters: Array<() => void> = []

  constructor(private readonly deps: EngineDeps) {
    this.stopped = new Promise((resolve) => {
      this.markStopped = resolve
    })
    this.scheduler = new Scheduler(Math.max(1, ...[...deps.roles.values()].map((role) => role.level + 1)))
    this.held = new Held((entry) => this.due(entry))
    this.ladder = new LadderMover({
      group: deps.group,
      roles: deps.roles,
      processor: deps.processor,
      moved: (ledger, offset) => this.finish(ledger, offset),
      failed: (error) => deps.failed(error),
      settled: () => this.checkIdle(),
    })
    this.committer = new Committer(() => this.partitions.values(), deps.commit, {
      failing: (failing, error) => {
        this.commitsFailing = failing
        deps.commitsFailing?.(failing, error)
        if (!failing) this.pump()
      },
    })
    this.flow = new FetchFlow({
      prefetch: deps.prefetch,
      scheduler: this.scheduler,
      pause: deps.pause,
      resume: deps.resume,
      stopping: () => this.stopping,
    })
  }

  /** Takes what it may of a fetched run of records; see Subscriber.run. */
  take({topic, partition, records, end}: FetchedRecords): number {
    const ledger = this.partitions.get(topic, partition)
    const role = this.deps.roles.get(topic)
    if (!ledger || !role || this.stopping) return 0
    if (end !== undefined) ledger.fetchedEnd = end
    if (ledger.loading) {
      // Offered without waiting for ready(): hold the partition until it is.
      this.deps.pause([ledger])
      void ledger.loading.then(() => {
        if (!this.stopping && !ledger.revoked) this.deps.resume([ledger])
      })
      return 0
    }

    this.gate.seen(ledger)
    const now = Date.now()
    for (let index = 0; index < records.length; index++) {
      const record = records[index]
      const offset = record.offset
      if (ledger.wasTaken(offset)) continue
      if (role.kind === 'delay') {
        // A rung is first-in, first-due: until its first record's time is up, none after it is due.
        const leaves = leavesRung(record, role)
        if (leaves > now) {
          this.flow.pauseUntil(ledger, leaves)
          this.pump()
          return index
        }
      }

      ledger.take(offset)
      this.route({record, ledger, lane: record.key === null ? null : record.key.toString('latin1')}, role, now)
    }

    this.flow.taken(ledger)
    this.pump()
    return records.length
  }

  /** A partition's records wait while its last owner's progress is read; a stop ends the wait. */
  ready(topic: string, partition: number): Promise<void> | undefined {
    const loading = this.partitions.get(topic, partition)?.loading
    return loading && !this.stopping ? Promise.race([loading, this.stopped]) : undefined
  }

  /** Before the next fetch: a wait while a full buffer makes room (see FetchFlow.room). */
  room(): Promise<void> | undefined {
    return this.flow.room()
  }

  /** Where a taken record goes: finished at once, moved down the ladder, held, or queued to run. */
  private route(entry: Entry, role: TopicRole, now: number): void {
    const {record, ledger} = entry
    const offset = record.offset
    // Retry and delay topics belong to the queue, not to one group: what another group wrote is its own.
    const group = record.headers[FAILURE_HEADERS.consumerGroup]
    const foreign = role.kind !== 'queue' && group !== undefined && group !== this.deps.group
    if (foreign || ledger.finishedBefore.delete(offset)) {
      this.finish(ledger, offset)
      return
    }

    const remaining = dueAt(record, role) - now
    if (remaining > HOLD_MS) void this.ladder.moveDown(entry, remaining)
    else if (remaining > 0) this.held.add(entry, now + remaining)
    // take() starts what it queued once, after the whole run: not once a record.
    else this.scheduler.add(entry)
  }

  /** A held record whose time has come. */
  private due(entry: Entry): void {
    if (entry.ledger.dropped) return
    this.scheduler.add(entry)
    this.pump()
  }

  /** Starts waiting records while slots are free. */
  private pump(): void {
    // A record whose retry or dead letter waits for a leader keeps its place but not its slot.
    while (!this.stopping && !this.commitsFailing && this.running - this.deps.processor.writesWaiting < this.deps.concurrency) {
      const entry = this.scheduler.next(this.gate.lastLevel(this.isHeld))
      if (entry === undefined) break
      this.running++
      void this.run(entry)
    }

    this.flow.resumeIfRoom()
    this.checkIdle()
    if (this.deps.outOfWork !== undefined && this.quiet && !this.stopping && this.partitions.takenToFetchedEnds()) this.deps.outOfWork()
  }

  private async run(entry: Entry): Promise<void> {
    let handled: readonly Handled[]
    try {
      handled = await this.deps.processor.process(entry.record)
    } catch (error) {
      // Its retry record or dead letter was not written: the record stays unfinished (and its
      // key held), to run again on the next worker.
      this.running--
      this.deps.failed(error)
      this.checkIdle()
      return
    }

    for (const each of handled) this.deps.handled(each)
    if (!handled.includes('interrupted')) this.finish(entry.ledger, entry.record.offset)
    this.scheduler.done(entry)
    // The slot stays taken while it rests; a stop does not wait for the rest.
    if (this.deps.restMs > 0 && !this.stopping) await sleep(this.deps.restMs)
    this.running--
    this.pump()
  }

  private finish(ledger: PartitionLedger, offset: number): void {
    if (ledger.finish(offset) && !ledger.revoked) this.committer.request()
  }

  /**
   * The group's new assignment: partitions given away stop starting jobs (running ones finish
   * but are not committed: their next owner runs them again); kept partitions go on where they
   * were; new ones start with what their last owner already finished above its watermark.
   * `load` reads that, and resolves to false when no record waits on the partition: only a
   * partition with records waiting holds back later queues until it is fetched (see StartGate).
   */
  assign(assignment: TopicPartition[], load: (ledger: PartitionLedger) => Promise<boolean | void>): Promise<void> {
    const {revoked, kept, added} = this.partitions.reassign(assignment, this.deps.roles)
    for (const ledger of revoked) {
      ledger.revoked = true
      this.gate.seen(ledger)
      this.flow.forget(ledger)
      this.scheduler.drop(ledger)
      this.deps.resume([ledger])
    }

    for (const ledger of kept) this.flow.repeatPause(ledger)
    // Nothing is taken from a new partition before its finished offsets are known (see ready).
    const loaded = Promise.all(
      added.map((ledger) => {
        ledger.loading = load(ledger)
          .then((waiting) => {
            if (waiting !== false) return
            this.gate.seen(ledger)
            this.pump()
          })
          .catch(() => {})
          .finally(() => {
            ledger.loading = undefined
          })
        return ledger.loading
      }),
    ).then(() => {})
    this.gate.close(added, loaded)
    return loaded
  }

  /**
   * Stops or goes on starting the jobs of one queue (kq pause / continue). Its waiting records
   * keep their place, and no longer count against the buffer of the queues after it.
   */
  holdQueue(level: number, held: boolean): void {
    this.scheduler.hold(level, held)
    this.pump()
  }

  /** Starts what a freed slot allows: a write began waiting for a leader (see JobProcessor.writesWaiting). */
  wake(): void {
    this.pump()
  }

  /** Commits now what is finished (before a rebalance takes partitions away). */
  commitNow(): void {
    this.committer.request()
  }

  /** Stops starting jobs and fetching; waiting records are left, to be delivered again. */
  stopStarting(): void {
    if (this.stopping) return
    this.stopping = true
    this.markStopped()
    this.gate.clear()
    this.committer.stop()
    for (const ledger of this.partitions.values()) this.scheduler.drop(ledger)
    this.held.clear()
    this.deps.pause([...this.partitions.values()])
    this.flow.stop(this.partitions.values())
  }

  /** Resolves once no job runs and no record is being moved; then commits what they finished. */
  async drain(): Promise<void> {
    await this.idle()
    await this.flush()
  }

  /** Resolves once no job runs and no record is being moved. */
  async idle(): Promise<void> {
    if (this.running > 0 || this.ladder.moving > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve))
  }

  /** Commits what finished jobs left uncommitted; throws when Kafka refuses. */
  async flush(): Promise<void> {
    await this.committer.flush()
  }

  /** True when nothing is running, waiting, held or being moved. */
  get quiet(): boolean {
    return this.running === 0 && this.ladder.moving === 0 && this.scheduler.waiting === 0 && this.held.size === 0
  }

  /** This worker's position on each partition it owns: everything below it is finished. */
  positions(): Map<string, number> {
    return this.partitions.positions()
  }

  private checkIdle(): void {
    if (this.running > 0 || this.ladder.moving > 0 || this.idleWaiters.length === 0) return
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const resolve of waiters) resolve()
  }
}
