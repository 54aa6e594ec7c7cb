import {type OpenChainStep} from '../envelope/index.js'
import {UsageError} from '../errors.js'
import {assertPayloadValid} from '../schema/validate.js'
import {type Dispatcher, keyOf} from './dispatcher.js'
import {type DispatchReceipt, type JobDefaults, type PendingJob} from './types.js'

export interface ChainOptions {
  /** The queue of every job of the chain. @defaultValue each job's own `queue`, else KAFKA_QUEUE */
  queue?: string
  /** The job dispatched, with the failure, when a job of the chain fails for good. */
  catch?: JobDefaults
}

/**
 * Sends the first job of a chain, carrying the others in its envelope: each is dispatched by
 * the worker once the one before it has succeeded. Every job is checked here first (payload
 * schema, queue, key), so a chain that is sent can run to its end.
 */
export async function dispatchChain(dispatcher: Dispatcher, jobs: PendingJob[], options: ChainOptions = {}): Promise<DispatchReceipt> {
  const [first, ...rest] = jobs
  if (first === undefined) throw new UsageError('a chain needs at least one job: chain([SendInvoice.with(payload), ...])')
  for (const {job, payload} of jobs) {
    // A unique job's mark is a header of its own dispatch, which the worker's later dispatch would not carry.
    if (job.unique !== undefined) throw new UsageError(`${job.name} is a unique job, which a chain cannot hold: dispatch it on its own`)
    await assertPayloadValid(job.schema, payload, job.name)
  }

  const chain: OpenChainStep[] = rest.map(({job, payload}) => {
    const {queue} = dispatcher.target(job, {queue: options.queue})
    const {key} = keyOf(job, payload, {})
    return {
      job: job.name,
      queue,
      payload,
      ...(key !== null && {key}),
      ...(job.tries !== undefined && {maxTries: job.tries}),
      ...(job.timeout !== undefined && {timeout: job.timeout}),
      ...(job.backoff !== undefined && {backoff: job.backoff}),
      // Carried in every job before it: an encrypted job's payload is encrypted in each.
      ...(job.encrypted === true && {seal: true}),
    }
  })
  const chainCatch = options.catch === undefined ? undefined : {job: options.catch.name, queue: dispatcher.target(options.catch, {queue: options.queue}).queue}
  return dispatcher.send(dispatcher.prepare(first.job, first.payload, {queue: options.queue}, {chain, ...(chainCatch && {chainCatch})}))
}
