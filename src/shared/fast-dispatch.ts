import {type Acting, actingFor} from '../lib/acl/grant-line.js'
import {type KqConfig} from '../lib/config/index.js'
import {Dispatcher} from '../lib/dispatch/index.js'
import {TopicNotFoundError} from '../lib/errors.js'
import {loadCommandConfig} from './config-flags.js'
import {type DispatchConsole, prepareDispatch, sendBulkJobs, sendOneJob} from './dispatch-steps.js'
import {type FastDispatchRequest} from './fast-dispatch-args.js'
import {describeFailure, failureJson, printFailure} from './failure.js'
import {warning} from './warning.js'

/**
 * Sends the job, or the NDJSON jobs, of a command line fastDispatchRequest() accepted, without
 * oclif: the same steps as the dispatch command (dispatch-steps.ts), the same output, the same
 * failures and exit codes. Returns the exit code.
 */
export async function runFastDispatch(request: FastDispatchRequest): Promise<number> {
  let acting: Acting | undefined
  let loaded: KqConfig | undefined
  const io: DispatchConsole = {
    loadConfig(flags) {
      loaded = loadCommandConfig(flags, (message) => {
        if (!request.json) warning(message)
      })
      return loaded
    },
    actingAs(role, config, queues) {
      acting = actingFor(role, config, queues)
    },
    log(message) {
      if (!request.json) process.stdout.write(`${message}\n`)
    },
  }

  try {
    const prepared = await prepareDispatch(request.job, request.flags, io)
    const dispatcher = new Dispatcher(prepared.config)
    const {flags} = request
    const send = async () =>
      flags.ndjson === undefined ? sendOneJob(prepared, dispatcher, {payload: request.payload, file: flags.file}, io) : sendBulkJobs(prepared, dispatcher, {...flags, ndjson: flags.ndjson}, io)
    const receipt = await send().finally(async () => dispatcher.close())
    if (request.json) printJson(receipt)
    return 0
  } catch (error) {
    let failed = error instanceof Error ? error : new Error(String(error))
    // As the dispatch command's: a mistyped queue is named. Loaded only on this path.
    if (failed instanceof TopicNotFoundError && loaded !== undefined) {
      const {explainMissingQueue} = await import('../lib/topics/missing-queue.js')
      failed = await explainMissingQueue(loaded, failed, {reads: false})
    }

    const failure = describeFailure(failed, acting)
    if (request.json) printJson(failureJson(failure))
    else printFailure(failure, failed)
    return failure.exitCode
  }
}

/** As oclif prints a command's JSON off a terminal. */
function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, undefined, 2)}\n`)
}
