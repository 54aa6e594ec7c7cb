import {type LineWriter} from '../lib/output/lines.js'
import {jsonRenderer} from '../lib/output/worker.js'
import {type Worker} from '../lib/worker/worker.js'
import {onStopSignals} from './signals.js'

/**
 * Signals stop the worker gracefully; a second one exits at once, saying so (with `json`, as a
 * warning line among the events). Errors that a job's stray callbacks throw outside any attempt
 * are reported, not allowed to kill the worker. Returns the function that lets go of the process
 * once the worker has stopped.
 */
export function guardWorkerProcess(worker: Worker, output: LineWriter, options: {json: boolean}): () => void {
  const releaseSignals = onStopSignals({
    stop: () => void worker.stop('signal'),
    beforeExit(signal) {
      const message = `Second ${signal}: exiting now; unfinished jobs will be delivered again.`
      const line = options.json ? jsonRenderer()('warning', {message}) : undefined
      if (line !== undefined) output.write(line)
      output.flush()
      if (!options.json) process.stderr.write(`\n${message}\n`)
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
