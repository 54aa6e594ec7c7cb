import {type BatchOptions, type BatchReceipt} from '../dispatch/batch.js'
import {type PendingJob} from '../dispatch/types.js'
import {type JobClass, dispatching, jobDefaults} from './job.js'

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
    this.#options = {...this.#options, then: jobDefaults(jobClass)}
    return this
  }

  catch(jobClass: JobClass<any>): this {
    this.#options = {...this.#options, catch: jobDefaults(jobClass)}
    return this
  }

  finally(jobClass: JobClass<any>): this {
    this.#options = {...this.#options, finally: jobDefaults(jobClass)}
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
