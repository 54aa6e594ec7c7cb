import {AssertionError} from 'node:assert'

import {RESERVED_HEADER_PREFIX} from '../dispatch/input.js'
import {type DispatchRecorder, type OutgoingJob, recordDispatches} from '../dispatch/recorder.js'
import {decodeEnvelope, openPayload} from '../envelope/index.js'
import {uniqueMarkOf} from '../envelope/unique.js'
import {type Job, jobNameOf} from '../jobs/job.js'
import {type JobClassOf, type PayloadOf} from './types.js'

/** One dispatch a fake queue recorded, as the worker would have received it. */
export interface DispatchedJob<P = unknown> {
  job: string
  id: string
  /** The payload after its trip through JSON, as `handle()` would get it. */
  payload: P
  queue: string
  /** The queue's topic, or the delay topic the job would wait on. */
  topic: string
  key: string | null
  /** The headers given to dispatch (kq's own `kq-` headers left out). */
  headers: Record<string, string>
  /** Seconds the job would wait before it may start; absent when at once. */
  delay?: number
  /** When it may start; absent when at once. */
  dueAt?: Date
  /** The jobs of the chain this job starts, after it, by name; absent for a job in no chain. */
  chain?: string[]
  /** The id of the batch this job belongs to; absent for a job in none. */
  batch?: string
  /** A unique job's id, how long it stays unique (seconds; absent: until it has run), and whether only until it starts. */
  unique?: {id: string; seconds?: number; untilProcessing?: boolean}
}

/** Shown in a failed assertion: enough to see which dispatch was meant. */
const LISTED = 20

/**
 * Dispatches recorded instead of sent, with assertions about them (Laravel's `Queue::fake()`).
 * Every check of a real dispatch still runs: a bad queue, delay, header or payload throws.
 */
export class FakeQueue {
  readonly #jobs: DispatchedJob[] = []
  readonly #recorder: DispatchRecorder = {record: (job) => this.#record(job)}
  readonly #previous: DispatchRecorder | undefined
  #active = true

  constructor() {
    this.#previous = recordDispatches(this.#recorder)
  }

  /** Everything dispatched since the fake began, in order. */
  get all(): readonly DispatchedJob[] {
    return [...this.#jobs]
  }

  /** The dispatches of one job class, in order. */
  dispatched<T extends Job<any>>(jobClass: JobClassOf<T>): Array<DispatchedJob<PayloadOf<T>>> {
    const name = jobNameOf(jobClass)
    return this.#jobs.filter((job) => job.job === name) as Array<DispatchedJob<PayloadOf<T>>>
  }

  assertDispatched<T extends Job<any>>(jobClass: JobClassOf<T>, predicate?: (job: DispatchedJob<PayloadOf<T>>) => boolean): void {
    const name = jobNameOf(jobClass)
    if (this.dispatched(jobClass).some((job) => predicate === undefined || predicate(job))) return
    const matching = predicate === undefined ? '' : ' matching the predicate'
    fail(`expected ${name} to be dispatched${matching}, but ${this.#summary()}`, 'assertDispatched')
  }

  assertDispatchedTimes<T extends Job<any>>(jobClass: JobClassOf<T>, times: number): void {
    const count = this.dispatched(jobClass).length
    if (count === times) return
    fail(`expected ${jobNameOf(jobClass)} to be dispatched ${plural(times)}, but it was dispatched ${plural(count)}; ${this.#summary()}`, 'assertDispatchedTimes')
  }

  assertNotDispatched<T extends Job<any>>(jobClass: JobClassOf<T>, predicate?: (job: DispatchedJob<PayloadOf<T>>) => boolean): void {
    const found = this.dispatched(jobClass).filter((job) => predicate === undefined || predicate(job))
    if (found.length === 0) return
    const matching = predicate === undefined ? '' : ' matching the predicate'
    fail(`expected ${jobNameOf(jobClass)} not to be dispatched${matching}, but it was:\n${listed(found)}`, 'assertNotDispatched')
  }

  assertNothingDispatched(): void {
    if (this.#jobs.length > 0) fail(`expected nothing to be dispatched, but ${this.#summary()}`, 'assertNothingDispatched')
  }

  /** Forgets what was recorded; the fake stays active. */
  clear(): void {
    this.#jobs.length = 0
  }

  /** Dispatches go to Kafka again (or to the fake that was active before this one). */
  restore(): void {
    if (!this.#active) return
    this.#active = false
    recordDispatches(this.#previous)
  }

  #record(outgoing: OutgoingJob): {partition: number; offset: number} {
    const envelope = decodeEnvelope(outgoing.message.value)
    const headers = Object.fromEntries(
      Object.entries(outgoing.message.headers ?? {}).filter(([name]) => !name.toLowerCase().startsWith(RESERVED_HEADER_PREFIX)),
    )
    const {key} = outgoing.message
    const unique = uniqueMarkOf(outgoing.message.headers ?? {})
    this.#jobs.push({
      job: envelope.job,
      id: envelope.id,
      payload: openPayload(envelope, outgoing.keyring),
      queue: outgoing.queue,
      topic: outgoing.topic,
      key: key === undefined || key === null ? null : String(key),
      headers,
      ...(outgoing.delayMs !== undefined && {delay: outgoing.delayMs / 1000}),
      ...(outgoing.dueAt !== undefined && {dueAt: new Date(outgoing.dueAt)}),
      ...(unique !== undefined && {unique}),
      ...(envelope.chain !== undefined && {chain: envelope.chain.map((step) => step.job)}),
      ...(envelope.batch !== undefined && {batch: envelope.batch.id}),
    })
    return {partition: 0, offset: this.#jobs.length - 1}
  }

  #summary(): string {
    return this.#jobs.length === 0 ? 'nothing was dispatched' : `these were dispatched:\n${listed(this.#jobs)}`
  }
}

/**
 * Records every dispatch of the process, `Job.dispatch()` and any Dispatcher's, until
 * `restore()`; no connection to Kafka is opened meanwhile.
 */
export function fakeQueue(): FakeQueue {
  return new FakeQueue()
}

function fail(message: string, operator: string): never {
  throw new AssertionError({message, operator, stackStartFn: fail})
}

function plural(times: number): string {
  return times === 1 ? 'once' : `${times} times`
}

function listed(jobs: readonly DispatchedJob[]): string {
  const lines = jobs.slice(0, LISTED).map((job) => {
    const extras = [
      job.key === null ? '' : `key ${job.key}`,
      job.delay === undefined ? '' : `delay ${job.delay}s`,
      Object.keys(job.headers).length === 0 ? '' : `headers ${JSON.stringify(job.headers)}`,
    ].filter((each) => each !== '')
    const payload = JSON.stringify(job.payload) ?? 'undefined'
    const shown = payload.length > 200 ? `${payload.slice(0, 200)}…` : payload
    return `  - ${job.job} ${shown} to queue ${job.queue}${extras.length === 0 ? '' : ` (${extras.join(', ')})`}`
  })
  if (jobs.length > LISTED) lines.push(`  … and ${jobs.length - LISTED} more`)
  return lines.join('\n')
}
