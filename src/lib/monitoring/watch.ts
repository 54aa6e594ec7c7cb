import {setTimeout as sleep} from 'node:timers/promises'

import {ExitCode, KqError} from '../errors.js'
import {type Crossings} from './alerts.js'
import {type StatusMonitor} from './monitor.js'
import {type StatusSnapshot} from './types.js'

/** One refresh of `--watch`: a snapshot, or why there is none this time. */
export type WatchRefresh = {snapshot: StatusSnapshot; changes: Crossings} | {error: KqError; time: Date}

export interface WatchOptions {
  /** Seconds from the start of one refresh to the start of the next. */
  intervalSeconds: number
  /** Seconds of the first rate window (later windows run from one refresh to the next); 0 for none. */
  sampleSeconds: number
  /** Stops the loop (Ctrl-C); a refresh under way when it fires is not shown. */
  signal: AbortSignal
}

/**
 * Takes a snapshot every interval and hands it to `show` until the signal fires; returns the
 * last refresh shown. A failure on the first refresh is thrown (a wrong broker address should
 * stop the command); later ones (a broker restarting) are shown, and the next refresh tries again.
 */
export async function watchStatus(
  monitor: StatusMonitor,
  options: WatchOptions,
  show: (refresh: WatchRefresh) => Promise<void>,
): Promise<WatchRefresh | undefined> {
  const {signal} = options
  let shown: WatchRefresh | undefined
  for (let first = true; !signal.aborted; first = false) {
    const started = Date.now()
    let refresh: WatchRefresh
    try {
      refresh = first ? await monitor.sampled(options.sampleSeconds, signal) : await monitor.snapshot()
    } catch (error) {
      if (first || !(error instanceof KqError)) throw error
      refresh = {error, time: new Date()}
    }

    if (signal.aborted) break
    await show(refresh)
    shown = refresh
    const wait = options.intervalSeconds * 1000 - (Date.now() - started)
    if (wait > 0) await sleep(wait, undefined, {signal}).catch(() => {})
  }

  return shown
}

/** The exit code `--watch` ends with: that of the last refresh shown (0, 3 in alert, or its error's). */
export function watchExitCode(last: WatchRefresh | undefined): number {
  if (last === undefined) return 0
  if ('error' in last) return last.error.exitCode
  return last.snapshot.alert ? ExitCode.Alert : 0
}
