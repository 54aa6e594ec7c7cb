import {type KqConfig, loadConfig} from '../config/index.js'
import {Dispatcher} from './dispatcher.js'
import {type BatchOptions, type BatchReceipt, dispatchBatch} from './batch.js'
import {type ChainOptions, dispatchChain} from './chain.js'
import {type DispatchOptions, type DispatchReceipt, type JobDefaults, type PendingJob} from './types.js'

export {
  Dispatcher,
  type BulkLine,
  type BulkProgress,
  type BulkResult,
  type BulkTarget,
  type PreparedJob,
} from './dispatcher.js'
export {BulkDispatchInterruptedError, type BulkStop} from './bulk-interrupted.js'
export type {DispatchOptions, DispatchReceipt, JobDefaults, PendingJob} from './types.js'
export {type ChainOptions, dispatchChain} from './chain.js'
export {type BatchOptions, type BatchReceipt, dispatchBatch} from './batch.js'

/**
 * The process's one dispatcher, behind `Job.dispatch()`: one idempotent producer shared by every
 * dispatch, opened on first use with the configuration of .env and the environment, unless the
 * application gave its own with `configureDispatch`.
 */
let shared: Dispatcher | undefined
let sharedConfig: KqConfig | undefined

/** Sets the configuration `Job.dispatch()` uses (instead of .env); closes a producer already open. */
export async function configureDispatch(config: KqConfig): Promise<void> {
  await closeDispatch()
  sharedConfig = config
}

export async function dispatchJob(
  job: JobDefaults,
  payload: unknown,
  options: DispatchOptions = {},
): Promise<DispatchReceipt> {
  shared ??= new Dispatcher(sharedConfig ?? loadConfig())
  return shared.dispatch(job, payload, options)
}

/** Sends a chain's first job through the process's shared producer (see `chain()`). */
export async function dispatchChainOfJobs(jobs: PendingJob[], options: ChainOptions = {}): Promise<DispatchReceipt> {
  shared ??= new Dispatcher(sharedConfig ?? loadConfig())
  return dispatchChain(shared, jobs, options)
}

/** Sends a batch through the process's shared producer (see `batch()`). */
export async function dispatchBatchOfJobs(jobs: PendingJob[], options: BatchOptions = {}): Promise<BatchReceipt> {
  const config = sharedConfig ?? loadConfig()
  shared ??= new Dispatcher(config)
  return dispatchBatch(shared, config, jobs, options)
}

/**
 * Closes the shared producer. A process that dispatched and has nothing else to do must call it:
 * an open producer keeps Node's event loop, and the process, alive.
 */
export async function closeDispatch(): Promise<void> {
  const dispatcher = shared
  shared = undefined
  await dispatcher?.close()
}
