/**
 * Exit codes kq takes from the shell's conventions rather than choosing them (those are
 * ExitCode in lib/errors): a shell answers an unknown command with 127 and reports a process
 * ended by a signal as 128 + the signal's number, so scripts already know these.
 */
export const ShellExitCode = {
  /** No such command, as a shell says it. */
  CommandNotFound: 127,
  /** Stopped by a second SIGINT (128 + 2). */
  Interrupted: 130,
  /** Stopped by a second SIGTERM (128 + 15). */
  Terminated: 143,
} as const

export type StopSignal = 'SIGINT' | 'SIGTERM'

/** The code a process killed by `signal` would have had. */
export function signalExitCode(signal: StopSignal): number {
  return signal === 'SIGINT' ? ShellExitCode.Interrupted : ShellExitCode.Terminated
}
