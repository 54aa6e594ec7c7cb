import {Counter, Gauge, Histogram, Registry, collectDefaultMetrics} from 'prom-client'

import {type JobRef, type WorkerEvents} from '../worker/events.js'
import {type Worker} from '../worker/worker.js'

/**
 * Seconds buckets of the job duration histogram: from a millisecond job to one of ten minutes,
 * about three to a decade, so that p50 and p99 come out of any workload within a bucket's width.
 */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]

/**
 * How each attempt ended, as kq_jobs_total's `status`: `done`; `failed` for every failed attempt,
 * which then either `retried` or `dead_lettered` (so failed = retried + dead_lettered, but for
 * an attempt cut short by a stop). Poison records (never a job) count as dead_lettered.
 * `released`: put back by a middleware, not a try; `skipped`: a unique job's duplicate, never run.
 */
export type JobStatus = 'done' | 'failed' | 'retried' | 'dead_lettered' | 'released' | 'skipped'

/**
 * A worker's Prometheus metrics, kept up to date from its events: no counting in the worker
 * itself, and nothing made at all when metrics are off. The lag of the worker's partitions is
 * asked of Kafka at each scrape.
 */
export function workerMetrics(worker: Worker, options: {processMetrics?: boolean} = {}): Registry {
  const registry = new Registry()
  if (options.processMetrics !== false) collectDefaultMetrics({register: registry})
  const jobs = new Counter({
    name: 'kq_jobs_total',
    help: 'Job attempts by how they ended: done, failed (then retried or dead_lettered), released by a middleware; and unique jobs skipped as duplicates.',
    labelNames: ['queue', 'job', 'status'] as const,
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'kq_job_duration_seconds',
    help: 'How long job attempts ran, whatever their end.',
    labelNames: ['queue', 'job'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  })
  const inFlight = new Gauge({name: 'kq_jobs_in_flight', help: 'Job attempts running now.', registers: [registry]})
  // Each attempt that started and has not ended; a Set of keys so that a missed end cannot drift it.
  const running = new Set<string>()
  const attemptKey = (ref: JobRef) => `${ref.id}:${ref.attempt}`
  new Gauge({
    name: 'kq_partition_lag',
    help: "Records left to work on each partition this worker holds, from the furthest of its position and the group's commit.",
    labelNames: ['topic', 'partition'] as const,
    registers: [registry],
    async collect() {
      this.reset()
      // A scrape while Kafka is away shows no lag rather than failing the whole page.
      const remaining = await worker.remaining().catch(() => [])
      for (const {topic, partition, jobs} of remaining) this.set({topic, partition: String(partition)}, jobs)
    },
  })
  const count = (ref: Pick<JobRef, 'queue' | 'job'>, status: JobStatus) => jobs.inc({queue: ref.queue, job: ref.job, status})
  const ended = (ref: JobRef, durationMs: number) => {
    running.delete(attemptKey(ref))
    inFlight.set(running.size)
    duration.observe({queue: ref.queue, job: ref.job}, durationMs / 1000)
  }

  worker.on('job:running', (ref) => {
    running.add(attemptKey(ref))
    inFlight.set(running.size)
  })
  worker.on('job:done', (event) => {
    ended(event, event.durationMs)
    count(event, 'done')
  })
  worker.on('job:failed', (event: WorkerEvents['job:failed']) => {
    ended(event, event.durationMs)
    count(event, 'failed')
    count(event, event.action === 'retry' ? 'retried' : 'dead_lettered')
  })
  // A release ends the attempt that started, but it was no try: its time is not a job's duration.
  worker.on('job:released', (event) => {
    running.delete(attemptKey(event))
    inFlight.set(running.size)
    count(event, 'released')
  })
  worker.on('job:skipped', (event) => count(event, 'skipped'))
  // A poison record is no job: it counts under the queue it came from, with an empty job.
  worker.on('poison', (event) => count({queue: event.queue, job: ''}, 'dead_lettered'))
  return registry
}
