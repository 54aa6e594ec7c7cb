import {type JobClass} from '../jobs/job.js'
import {type DispatchOptions, type DispatchReceipt} from './types.js'

export type {DispatchOptions, DispatchReceipt} from './types.js'

// Being written: the shared producer and dispatchJob.
export async function dispatchJob(_job: JobClass, _payload: unknown, _options: DispatchOptions): Promise<DispatchReceipt> {
  throw new Error('dispatch is not implemented yet')
}
