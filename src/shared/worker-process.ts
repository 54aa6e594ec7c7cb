import {type LineWriter} from '../lib/output/lines.js'
import {type Worker} from '../lib/worker/worker.js'
import {onStopSignals} from './signals.js'

/**
 * Signals stop the worker gracefully; a second one exits at once. Errors that a job's stray
 * callbacks throw outside any attempt are reported, not allowed to kill the worker. Returns the
 * function that lets go of the process once the worker has stopped.
 */
export function guardWorkerProcess(worker: Worker, output: LineWriter): () => void {
  const releaseSignals = onStopSignals({
    stop: () => void worker.stop('signal'),
    beforeExit(signal) {
      output.flush()
      process.stderr.write(`\nSecond ${signal}: exiting now; unfinished jobs will be delivered again.\n`)
    },
  })
  const onStray = (error: unknown) => {
    worker.emit('warning', {message: `a job left an error outside its attempt: ${error instanceof Error ? error.message : String(error)}`})
  }

  process.on('unhandledRejection', onStray)
  process.on('uncaughtException', onStray)
  return () => {
    releaseSignals()
    process.off('unhandledRejection', onStray)
    process.off('uncaughtException', onStray)
  }
}
