import {NOT_BEFORE_HEADER} from '../delay/ladder.js'
import {type JobEnvelope, encodeEnvelope} from '../envelope/index.js'
import {FAILURE_HEADERS, type FailureContext, carriedHeaders, failureHeaders} from '../failure/headers.js'
import {type IncomingMessage, type OutgoingMessage} from '../kafka/index.js'

/**
 * The next attempt of a job, for the retry topic: the same key (its order among retries, its
 * partition), the envelope with attempt + 1, and the time it becomes due. Pure, as the policy that decides it.
 */
export function retryRecord(
  envelope: JobEnvelope,
  next: {attempt: number; dueAt: number},
  context: FailureContext & {maxMessageBytes: number},
): OutgoingMessage {
  const {value, headers} = encodeEnvelope({...envelope, attempt: next.attempt}, {maxBytes: context.maxMessageBytes})
  return {
    key: context.source.key,
    value,
    headers: {
      ...carriedHeaders(context.source),
      ...failureHeaders(context),
      ...headers,
      [NOT_BEFORE_HEADER]: new Date(next.dueAt).toISOString(),
    },
  }
}

/**
 * A job a middleware released, for the delay or retry topic: the same envelope and attempt (a
 * release is not a try), key and headers, due after the release's delay, and marked as this
 * group's so that other groups reading the same topic leave it.
 */
export function releasedRecord(
  envelope: JobEnvelope,
  dueAt: number,
  context: {source: IncomingMessage; group: string; maxMessageBytes: number},
): OutgoingMessage {
  const {value, headers} = encodeEnvelope(envelope, {maxBytes: context.maxMessageBytes})
  const {[NOT_BEFORE_HEADER]: _due, ...kept} = context.source.headers
  return {
    key: context.source.key,
    value,
    headers: {...kept, ...headers, [FAILURE_HEADERS.consumerGroup]: context.group, [NOT_BEFORE_HEADER]: new Date(dueAt).toISOString()},
  }
}
