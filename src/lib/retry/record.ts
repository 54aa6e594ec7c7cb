import {NOT_BEFORE_HEADER} from '../delay/ladder.js'
import {type JobEnvelope, encodeEnvelope} from '../envelope/index.js'
import {type FailureContext, carriedHeaders, failureHeaders} from '../failure/headers.js'
import {type OutgoingMessage} from '../kafka/index.js'

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
