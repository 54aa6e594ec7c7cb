import {type Tally} from './tally.js'

/** The size of a fault run: `ci` takes a few minutes in the test suite, `full` is the figure run. */
export type FaultSize = 'ci' | 'full'

export const SIZES = {
  ci: {jobs: 1500, kills: 3, rounds: 1, stops: 2, replayed: 400, bulk: 100_000},
  full: {jobs: 10_000, kills: 10, rounds: 3, stops: 5, replayed: 2000, bulk: 1_000_000},
} as const

/** One scenario's outcome: its tally, how long it took, and what else it saw. */
export interface FaultResult extends Tally {
  scenario: string
  seconds: number
  notes: string[]
  /** Jobs a dispatch acknowledged (exit 0) that are not on the topic: must be 0. */
  acknowledgedMissing?: number
}
