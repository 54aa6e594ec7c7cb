import {type BatchOptions, type BatchReceipt} from '../dispatch/batch.js'
import {type PendingJob} from '../dispatch/types.js'
import {type JobClass, dispatching, isJobClass, jobDefaults} from './job.js'

/**
 * Jobs that run side by side, with jobs dispatched once all of them are done (Laravel's
 * `Bus::batch`): `then` when none failed for good (or failures are allowed), `catch` when one
 * did, `finally` in either case. Each gets a BatchResult as its payload.
 *
 *     const {id} = await batch([ResizeImage.with({id: 1}), ResizeImage.with({id: 2})])
 *       .onQueue('images')
 *       .then(AlbumReady)
 *       .catch(AlbumFailed)
 *       .dispatch()
 */
export class Batch {
  #options: BatchOptions = {}

  constructor(private readonly jobs: PendingJob[]) {}

  /** Sends every job of the batch, and its end jobs, to this queue, whatever their own `queue`. */
  onQueue(queue: string): this {
    this.#options = {...this.#options, queue}
    return this
  }

  /** A name for people, shown by `kq batch:list` and in the end jobs' payload. */
  name(name: string): this {
    this.#options = {...this.#options, name}
    return this
  }

  then(jobClass: JobClass<any>): this {
    this.#options = {...this.#options, then: endJob('then', jobClass)}
    return this
  }

  catch(jobClass: JobClass<any>): this {
    this.#options = {...this.#options, catch: endJob('catch', jobClass)}
    return this
  }

  finally(jobClass: JobClass<any>): this {
    this.#options = {...this.#options, finally: endJob('finally', jobClass)}
    return this
  }

  /** A job that fails for good does not fail the batch: `then` runs all the same, `catch` never. */
  allowFailures(): this {
    this.#options = {...this.#options, allowFailures: true}
    return this
  }

  /** Writes the batch's record, then sends its jobs; resolves with the batch id and each job's receipt. */
  async dispatch(): Promise<BatchReceipt> {
    const {dispatchBatchOfJobs} = await dispatching()
    return dispatchBatchOfJobs(this.jobs, this.#options)
  }
}

export function batch(jobs: PendingJob[]): Batch {
  return new Batch(jobs)
}

/**
 * An end job's defaults, once it is known to be a job class. A batch has a then(), so `await`
 * takes it for a promise: `await batch([...]).then(Done)` without .dispatch() calls then() with
 * the promise's own resolve function, which is told apart here from a job class.
 */
function endJob(kind: 'then' | 'catch' | 'finally', jobClass: unknown): ReturnType<typeof jobDefaults> {
  if (isJobClass(jobClass)) return jobDefaults(jobClass)
  if (kind === 'then' && typeof jobClass === 'function') {
    throw new TypeError('a batch is sent by .dispatch(), and was awaited without it: end it with .dispatch(), as in await batch([...]).then(Done).dispatch()')
  }

  throw new TypeError(`batch().${kind}() takes a job class (a class that extends Job), got ${typeof jobClass === 'function' ? `function ${jobClass.name || '(anonymous)'}` : typeof jobClass}`)
}
