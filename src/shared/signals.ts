import {type StopSignal, signalExitCode} from './exit-codes.js'

export interface StopSignalHandlers {
  /** The first SIGINT or SIGTERM: begin a graceful stop. */
  stop(signal: StopSignal): void
  /** A second one, just before the process exits: leave the terminal and the output tidy. */
  beforeExit?(signal: StopSignal): void
}

/**
 * A first SIGINT or SIGTERM asks a long-running command to stop gracefully; a second one, as a
 * person pressing Ctrl-C again means, exits at once with the shell's code for that signal.
 * Returns the function that stops listening.
 */
export function onStopSignals(handlers: StopSignalHandlers): () => void {
  let signals = 0
  const onSignal = (signal: StopSignal) => {
    signals++
    if (signals === 1) return handlers.stop(signal)
    handlers.beforeExit?.(signal)
    process.exit(signalExitCode(signal))
  }

  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return () => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
