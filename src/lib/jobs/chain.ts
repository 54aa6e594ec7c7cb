import {type ChainOptions} from '../dispatch/chain.js'
import {type DispatchReceipt, type PendingJob} from '../dispatch/types.js'
import {type JobClass, dispatching, jobDefaults} from './job.js'

/**
 * Jobs that run one after another (Laravel's `Bus::chain`): each is dispatched by the worker
 * only once the one before it has succeeded; when one fails for good the rest never run, and
 * the catch job, if any, is dispatched with the failure.
 *
 *     await chain([ProcessPodcast.with({id: 7}), PublishPodcast.with({id: 7})])
 *       .onQueue('podcasts')
 *       .catch(PodcastFailed)
 *       .dispatch()
 */
export class Chain {
  #options: ChainOptions = {}

  constructor(private readonly jobs: PendingJob[]) {}

  /** Sends every job of the chain to this queue, whatever their own `queue`. */
  onQueue(queue: string): this {
    this.#options = {...this.#options, queue}
    return this
  }

  /** The job dispatched when a job of the chain fails for good; its payload is a ChainFailure. */
  catch(jobClass: JobClass<any>): this {
    this.#options = {...this.#options, catch: jobDefaults(jobClass)}
    return this
  }

  /** Sends the first job, carrying the rest; resolves with where it landed. */
  async dispatch(): Promise<DispatchReceipt> {
    const {dispatchChainOfJobs} = await dispatching()
    return dispatchChainOfJobs(this.jobs, this.#options)
  }
}

export function chain(jobs: PendingJob[]): Chain {
  return new Chain(jobs)
}
