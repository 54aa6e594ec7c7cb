import {type Tally} from './tally.js'

/** The size of a fault run: `ci` takes a few minutes in the test suite, `full` is the figure run. */
export type FaultSize = 'ci' | 'full'

/**
 * `downSeconds` is how long a killed or stopped single broker stays down before its restart, and
 * `quorumLostSeconds` how long two of three nodes stay dead: a restart takes seconds of its own
 * on top, so the worker is cut off either way; the full run holds the outage longer.
 */
export const SIZES = {
  ci: {jobs: 1500, kills: 3, rounds: 1, stops: 2, replayed: 400, bulk: 100_000, downSeconds: 2, quorumLostSeconds: 4},
  full: {jobs: 10_000, kills: 10, rounds: 3, stops: 5, replayed: 2000, bulk: 1_000_000, downSeconds: 5, quorumLostSeconds: 10},
} as const

/** One scenario's outcome: its tally, how long it took, and what else it saw. */
export interface FaultResult extends Tally {
  scenario: string
  seconds: number
  notes: string[]
  /** Jobs a dispatch acknowledged (exit 0) that are not on the topic: must be 0. */
  acknowledgedMissing?: number
}
