import {type JobEnvelope} from '../envelope/index.js'
import {resolveMaxTries} from '../retry/index.js'
import {type WorkerOptions} from './options.js'

/** How one job runs: its tries in all, the backoff before each retry, and its attempt timeout. */
export interface JobSettings {
  maxTries: number
  backoff: readonly number[]
  /** Seconds. */
  timeout: number
}

/** What a job class instance may set: user code, so anything may be there. */
export interface JobClassSettings {
  tries?: unknown
  backoff?: unknown
  timeout?: unknown
}

/** Longer than any job should run, and within what a timer can hold (2^31 ms is ~24 days). */
export const MAX_TIMEOUT_SECONDS = 7 * 24 * 3600

/**
 * The settings a job runs with, each chosen on its own, the most specific winning: the message
 * (set at dispatch from the job class, or by another producer), then the job class the worker
 * loaded, then the worker's options. The message was checked when decoded; a job class's
 * settings are code, not checked input, so a nonsense value (0, NaN, -1) is ignored, as if
 * unset, rather than failing every attempt at once.
 */
export function resolveJobSettings(
  message: Pick<JobEnvelope, 'maxTries' | 'backoff' | 'timeout'>,
  jobClass: JobClassSettings,
  worker: Pick<WorkerOptions, 'tries' | 'backoff' | 'timeout'>,
): JobSettings {
  return {
    maxTries: resolveMaxTries(message.maxTries, positiveInteger(jobClass.tries), worker.tries),
    backoff: message.backoff ?? secondsList(jobClass.backoff) ?? worker.backoff,
    timeout: Math.min(MAX_TIMEOUT_SECONDS, message.timeout ?? positiveNumber(jobClass.timeout) ?? worker.timeout),
  }
}

function positiveNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined
}

function positiveInteger(value: unknown): number | undefined {
  return Number.isSafeInteger(value) && (value as number) >= 1 ? (value as number) : undefined
}

/** One number of seconds or a list of them, as a list; undefined unless every item is one. */
function secondsList(backoff: unknown): number[] | undefined {
  if (backoff === undefined) return undefined
  const list = Array.isArray(backoff) ? backoff : [backoff]
  const valid = list.length > 0 && list.every((item) => typeof item === 'number' && Number.isFinite(item) && item >= 0)
  return valid ? (list as number[]) : undefined
}
