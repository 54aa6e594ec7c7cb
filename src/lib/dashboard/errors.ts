import {JobNotFoundError} from '../job-history/index.js'
import {BrokerUnreachableError, ConfigError, KafkaRefusedError, KqError, TopicNotFoundError, UsageError} from '../errors.js'

/** Something the API was asked for that Kafka does not hold: answered with 404. */
export class NotFoundError extends UsageError {
  override name = 'NotFoundError'
}

/**
 * The HTTP answer to a failure: kq's own one-line message and a status that says whose fault it
 * was. Anything kq did not expect is a bug, and its stack stays on the server.
 */
export function errorResponse(error: unknown): {status: 400 | 404 | 409 | 500 | 503; body: {error: string}} {
  if (error instanceof NotFoundError || error instanceof JobNotFoundError || error instanceof TopicNotFoundError) return {status: 404, body: {error: error.message}}
  if (error instanceof UsageError || error instanceof ConfigError) return {status: 400, body: {error: error.message}}
  if (error instanceof BrokerUnreachableError) return {status: 503, body: {error: error.message}}
  if (error instanceof KafkaRefusedError) return {status: 409, body: {error: error.message}}
  if (error instanceof KqError) return {status: 500, body: {error: error.message}}
  return {status: 500, body: {error: `unexpected error: ${error instanceof Error ? error.message : String(error)} (set KQ_DEBUG=1 to log where)`}}
}

/** Errors after which a connection is still good: only the request was wrong. */
export function isRequestError(error: unknown): boolean {
  return error instanceof UsageError || error instanceof TopicNotFoundError
}
