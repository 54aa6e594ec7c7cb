import {type BatchCallback, encodeBatchRecord} from '../batch/records.js'
import {ensureBatchTopic} from '../batch/topic.js'
import {type KqConfig} from '../config/index.js'
import {newJobId} from '../envelope/index.js'
import {UsageError} from '../errors.js'
import {withTopicAdmin} from '../kafka/index.js'
import {assertPayloadValid} from '../schema/validate.js'
import {type Dispatcher} from './dispatcher.js'
import {dispatchRecorder} from './recorder.js'
import {type DispatchReceipt, type JobDefaults, type PendingJob} from './types.js'

export interface BatchOptions {
  /** The queue of every job of the batch and of its end jobs. @defaultValue each job's own `queue`, else KAFKA_QUEUE */
  queue?: string
  /** A name for people, shown by `kq batch:list`. */
  name?: string
  /** Dispatched once every job is done, none failed for good (or failures are allowed). */
  then?: JobDefaults
  /** Dispatched once every job is done, when one failed for good and failures are not allowed. */
  catch?: JobDefaults
  /** Dispatched once every job is done, whatever became of them, after then or catch. */
  finally?: JobDefaults
  /** A job that fails for good does not make the batch fail: `then` still runs. @defaultValue false */
  allowFailures?: boolean
}

/** Where a batch went: its id, on which `kq batch:show` reports, and each of its jobs. */
export interface BatchReceipt {
  id: string
  total: number
  jobs: DispatchReceipt[]
}

/**
 * Sends a batch: first its created record to the batch topic (made if missing), saying how many
 * jobs it has and what runs at its end, then every job, each carrying the batch id and where
 * that record is. Every job is checked before anything is sent. A dispatch that fails part way
 * leaves a batch that never ends (`kq batch:show` shows it pending): dispatch it again.
 */
export async function dispatchBatch(dispatcher: Dispatcher, config: KqConfig, jobs: PendingJob[], options: BatchOptions = {}): Promise<BatchReceipt> {
  if (jobs.length === 0) throw new UsageError('a batch needs at least one job: batch([ResizeImage.with(payload), ...])')
  for (const {job, payload} of jobs) {
    // A skipped duplicate would never report its end, and the batch would never end.
    if (job.unique !== undefined) throw new UsageError(`${job.name} is a unique job, which a batch cannot hold: dispatch it on its own`)
    await assertPayloadValid(job.schema, payload, job.name)
  }

  const callback = (job: JobDefaults | undefined): BatchCallback | undefined =>
    job === undefined ? undefined : {job: job.name, queue: dispatcher.target(job, {queue: options.queue}).queue}
  const id = newJobId()
  const created = encodeBatchRecord({
    type: 'created',
    batch: id,
    at: new Date().toISOString(),
    ...(options.name !== undefined && {name: options.name}),
    total: jobs.length,
    allowFailures: options.allowFailures ?? false,
    then: callback(options.then),
    catch: callback(options.catch),
    finally: callback(options.finally),
  })
  // A faked queue records the jobs only: there is no batch topic to write to.
  let where = {partition: 0, offset: 0}
  if (dispatchRecorder() === undefined) {
    await withTopicAdmin(config.kafka, async (admin) => ensureBatchTopic(admin, config))
    where = await dispatcher.write(config.batchTopic, created)
  }

  const batch = {id, partition: where.partition, offset: where.offset}
  const receipts = await Promise.all(jobs.map(async ({job, payload}) => dispatcher.send(dispatcher.prepare(job, payload, {queue: options.queue}, undefined, batch))))
  return {id, total: jobs.length, jobs: receipts}
}
