import {HEADERS, type JobEnvelope} from '../envelope/index.js'
import {FAILURE_HEADERS, type FailureContext, carriedHeaders, failureHeaders} from '../failure/headers.js'
import {type OutgoingMessage} from '../kafka/index.js'
import {type DeadLetterReason} from '../retry/index.js'

/**
 * A dead letter: the failed record's key, value and headers as they were (so a replay is the
 * same job, on the same partition), plus why, how often, where from and by whom.
 */
export function deadLetterRecord(
  context: FailureContext & {reason: DeadLetterReason; attempts: number; envelope?: JobEnvelope},
): OutgoingMessage {
  const {source, envelope} = context
  const job: Record<string, string> = envelope ? {[HEADERS.job]: envelope.job, [HEADERS.jobId]: envelope.id} : {}
  return {
    key: source.key,
    value: source.value ?? Buffer.alloc(0),
    headers: {
      ...carriedHeaders(source),
      ...failureHeaders(context),
      ...job,
      [FAILURE_HEADERS.attempts]: String(context.attempts),
      [FAILURE_HEADERS.reason]: context.reason,
    },
  }
}

/**
 * The dead letter to write when the whole one is too large for the dead-letter topic (a record
 * near the size limit, plus the failure headers): key and headers kept, less the error stack,
 * and the value left out, its size in kq-dlt-value-omitted. The value is still where the
 * kq-original-* headers point, until that topic's retention removes it. Poison must never stall
 * its partition: this is what lets the worker go on.
 */
export function reducedDeadLetter(record: OutgoingMessage): OutgoingMessage {
  const {[FAILURE_HEADERS.errorStack]: _stack, ...headers} = record.headers ?? {}
  return {
    key: record.key,
    value: Buffer.alloc(0),
    headers: {...headers, [FAILURE_HEADERS.valueOmitted]: String(Buffer.byteLength(record.value))},
  }
}
