import {type LedgerLine} from './ledger.js'

/** What a fault run comes to: every dispatched job ran or was dead-lettered, and how often it ran. */
export interface Tally {
  /** Distinct jobs found on the queue topic. */
  dispatched: number
  /** Distinct dispatched jobs that finished at least once. */
  done: number
  /** Distinct dispatched jobs that did not finish and wait in the dead-letter topic. */
  deadLettered: number
  /** Dispatched jobs that neither finished nor wait as dead letters: must be 0. */
  lost: number
  /** Finished runs beyond each job's first: the price of at-least-once under the fault. */
  reRuns: number
  /** Distinct jobs that finished more than once. */
  ranTwice: number
  /** Ledger lines of jobs never dispatched: must be 0 (a ledger of something else). */
  strangers: number
  /** Up to five lost ids, to start looking from. */
  lostIds: string[]
}

export function tally(dispatched: Iterable<string>, ledger: LedgerLine[], deadLettered: Iterable<string>): Tally {
  const wanted = new Set(dispatched)
  const runs = new Map<string, number>()
  let strangers = 0
  for (const {id} of ledger) {
    if (!wanted.has(id)) {
      strangers++
      continue
    }

    runs.set(id, (runs.get(id) ?? 0) + 1)
  }

  const waiting = new Set([...deadLettered].filter((id) => wanted.has(id) && !runs.has(id)))
  const lostIds = [...wanted].filter((id) => !runs.has(id) && !waiting.has(id))
  let reRuns = 0
  let ranTwice = 0
  for (const count of runs.values()) {
    reRuns += count - 1
    if (count > 1) ranTwice++
  }

  return {
    dispatched: wanted.size,
    done: runs.size,
    deadLettered: waiting.size,
    lost: lostIds.length,
    reRuns,
    ranTwice,
    strangers,
    lostIds: lostIds.slice(0, 5),
  }
}
