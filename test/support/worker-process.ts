import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {setTimeout as sleep} from 'node:timers/promises'

import {KQ_BIN} from './paths.js'

/** A `kq work` process a test can signal, with everything it printed so far. */
export interface WorkerProcess {
  child: ChildProcessWithoutNullStreams
  stdout: string
  stderr: string
  /** Settles once the process is gone and its output read to the end. */
  exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>
  /** Polls until `check` holds; fails with the worker's output if it exits or never does. */
  waitFor(what: string, check: (worker: WorkerProcess) => boolean, timeoutMs?: number): Promise<void>
  /** Kills it if it still runs (SIGKILL by default) and waits until it is gone. */
  stop(signal?: NodeJS.Signals): Promise<{code: number | null; signal: NodeJS.Signals | null}>
}

/** Starts the real `kq work` with these arguments, in `cwd`, with `env` added to this process's. */
export function spawnWorker(args: string[], options: {cwd: string; env?: NodeJS.ProcessEnv}): WorkerProcess {
  return spawnKq(['work', ...args], options)
}

/** Starts the real `kq` with these arguments and leaves it running. */
export function spawnKq(args: string[], options: {cwd: string; env?: NodeJS.ProcessEnv}): WorkerProcess {
  const child = spawn(KQ_BIN, args, {cwd: options.cwd, env: {...process.env, NO_COLOR: '1', ...options.env}})
  let gone = false
  const worker: WorkerProcess = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => {
      child.on('close', (code, signal) => {
        gone = true
        resolve({code, signal})
      })
    }),
    async waitFor(what, check, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        if (check(worker)) return
        if (gone || Date.now() > deadline) {
          const why = gone ? `exited (${child.exitCode ?? child.signalCode})` : `did not within ${timeoutMs / 1000}s`
          throw new Error(`worker ${why} before ${what}\n--- stdout\n${worker.stdout}\n--- stderr\n${worker.stderr}`)
        }

        await sleep(25)
      }
    },
    async stop(signal = 'SIGKILL') {
      if (!gone) child.kill(signal)
      return worker.exited
    },
  }
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    worker.stdout += chunk
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    worker.stderr += chunk
  })
  return worker
}
