import {settlesWithin} from './deadline.js'

/**
 * How long each of a stop's steps that waits on Kafka (commit, leave, close) may take. Answered,
 * each takes milliseconds; unanswered, kafkajs retries for minutes, and a worker stopped by
 * --broker-timeout once hung for more than three. Ten seconds outlasts a slow answer.
 */
export const CLOSE_STEP_MS = 10_000

/** One step of a worker's stop that waits on Kafka. */
export interface CloseStep {
  /** What it does, as the warning names it: "leaving group workers". */
  what: string
  /** What giving up on it leaves behind, for the warning. */
  leftBehind: string
  close(): Promise<unknown>
}

/**
 * Runs one step of a stop, abandoning it after CLOSE_STEP_MS with a warning that says what was
 * left. With the broker lost, kafkajs retries a commit or a leave for minutes.
 */
export async function closeWithin({what, leftBehind, close}: CloseStep, warn: (message: string) => void): Promise<void> {
  if (!(await settlesWithin(close(), CLOSE_STEP_MS))) {
    warn(`stopping: gave up ${what} after ${CLOSE_STEP_MS / 1000}s without an answer from Kafka; ${leftBehind}`)
  }
}
