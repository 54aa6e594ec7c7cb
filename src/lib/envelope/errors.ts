import {ExitCode, KqError} from '../errors.js'

/**
 * Why a job message could not be read or written. Stable strings, so a worker can decide by
 * type (dead-letter a malformed message, skip a tombstone) instead of comparing messages.
 */
export type EnvelopeProblem =
  /** No value at all (null, zero bytes or only whitespace), such as a tombstone. */
  | 'empty'
  /** Bytes that are not UTF-8, or text that is not JSON. */
  | 'not-json'
  /** JSON, but not an object with the `kq` marker: not a kq job. */
  | 'not-envelope'
  /** A kq job in a format version this kq does not read. */
  | 'unsupported-version'
  /** A kq job with a missing or bad field; `field` names it. */
  | 'invalid-field'
  /** Larger than the message size limit; checked before parsing. */
  | 'too-large'

/** A job message that cannot be encoded or decoded. Exit code 2: the input is at fault. */
export class EnvelopeError extends KqError {
  override name = 'EnvelopeError'
  /** The envelope field at fault, for 'invalid-field'. */
  readonly field?: string

  constructor(
    readonly problem: EnvelopeProblem,
    message: string,
    options?: {field?: string; cause?: unknown},
  ) {
    super(message, ExitCode.Usage, options)
    this.field = options?.field
    this.details = {problem, ...(options?.field !== undefined && {field: options.field})}
  }
}
