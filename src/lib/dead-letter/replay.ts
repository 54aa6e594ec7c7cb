import {NOT_BEFORE_HEADER} from '../delay/ladder.js'
import {HEADERS, decodeEnvelope, encodeEnvelope} from '../envelope/index.js'
import {errorMessage} from '../errors.js'
import {FAILURE_HEADERS} from '../failure/headers.js'
import {type OutgoingMessage} from '../kafka/index.js'
import {type DeadLetter, REPLAY_HEADERS, positionOf} from './letters.js'

/** How many times a job may be replayed before kq refuses, unless told otherwise. */
export const DEFAULT_MAX_REPLAYS = 3

export interface ReplayOptions {
  /** A dead letter already replayed this many times is refused. @defaultValue DEFAULT_MAX_REPLAYS */
  maxReplays?: number
  /** KQ_MAX_MESSAGE_BYTES. */
  maxMessageBytes?: number
}

export type ReplayPlan =
  | {replayable: true; record: OutgoingMessage; replayCount: number}
  | {replayable: false; problem: 'not-a-job' | 'max-replays'; message: string}

/** kq's own headers: rewritten by a replay, never carried over. */
const KQ_HEADERS = new Set<string>([
  ...Object.values(FAILURE_HEADERS),
  NOT_BEFORE_HEADER,
  ...Object.values(HEADERS),
  ...Object.values(REPLAY_HEADERS),
])

/**
 * The record that puts a dead letter's job back on its queue, or why it may not. Pure. The job
 * as dispatched (same id, payload and options) with attempt 1, the same key (so the same
 * partition and order among its key), the application's headers, and the lineage: where it was
 * replayed from and how often. The failure headers go: the next failure writes its own.
 */
export function planReplay(letter: DeadLetter, options: ReplayOptions = {}): ReplayPlan {
  const maxReplays = options.maxReplays ?? DEFAULT_MAX_REPLAYS
  const omitted = letter.headers[FAILURE_HEADERS.valueOmitted]
  if (omitted !== undefined) {
    const {topic, partition, offset} = letter.original
    return {
      replayable: false,
      problem: 'not-a-job',
      message:
        `dead letter ${letter.id} was written without its value (${omitted} bytes, too large for the dead-letter topic), so it cannot be replayed: ` +
        `the record may still be at ${topic}[${partition}]@${offset}; remove the letter with \`kq dlt:purge --id ${positionOf(letter)}\``,
    }
  }

  let envelope
  try {
    envelope = decodeEnvelope(letter.value, {maxBytes: options.maxMessageBytes})
  } catch (error) {
    return {
      replayable: false,
      problem: 'not-a-job',
      message: `dead letter ${letter.id} is not a kq job (${errorMessage(error)}), so it cannot be replayed: remove it with \`kq dlt:purge --id ${positionOf(letter)}\``,
    }
  }

  if (letter.replayCount >= maxReplays) {
    return {
      replayable: false,
      problem: 'max-replays',
      message: `dead letter ${letter.id} was replayed ${times(letter.replayCount)} already (--max-replays ${maxReplays}): fix what fails, then pass --max-replays ${letter.replayCount + 1} to replay it again, or purge it`,
    }
  }

  const replayCount = letter.replayCount + 1
  const {value, headers} = encodeEnvelope({...envelope, attempt: 1}, {maxBytes: options.maxMessageBytes})
  const carried = Object.entries(letter.headers).filter(([name]) => !KQ_HEADERS.has(name))
  return {
    replayable: true,
    replayCount,
    record: {
      key: letter.key,
      value,
      headers: {
        ...Object.fromEntries(carried),
        ...headers,
        [REPLAY_HEADERS.replayedFrom]: `${letter.topic}:${positionOf(letter)}`,
        [REPLAY_HEADERS.replayCount]: String(replayCount),
      },
    },
  }
}

function times(count: number): string {
  return count === 1 ? 'once' : `${count} times`
}
