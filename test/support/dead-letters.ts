import {deadLetterRecord} from '../../src/lib/dead-letter/record.js'
import {createEnvelope, encodeEnvelope} from '../../src/lib/envelope/index.js'
import {type DltListResult} from '../../src/commands/dlt/list.js'
import {type IncomingMessage, type OutgoingMessage, openPublisher, withTopicAdmin} from '../../src/lib/kafka/index.js'
import {type DeadLetterReason} from '../../src/lib/retry/index.js'
import {runKq} from './cli.js'
import {testConnection} from './topics.js'

/** A dead letter to write: by default an exhausted SendEmail job that failed just now. */
export interface DeadLetterSpec {
  job?: string
  payload?: unknown
  key?: string
  reason?: DeadLetterReason
  /** The raw value of a message that is not a job (reason malformed). */
  raw?: string
  failedAt?: Date
  /** Headers the job carried: the application's, or kq-replay-count after earlier replays. */
  headers?: Record<string, string>
}

/**
 * Writes dead letters straight to a queue's dead-letter topic, built by the worker's own
 * deadLetterRecord: what `kq work` would leave after the jobs failed, in a fraction of the time.
 */
export async function writeDeadLetters(queue: string, specs: DeadLetterSpec[]): Promise<Array<{id: string | null}>> {
  const records: OutgoingMessage[] = []
  const ids: Array<{id: string | null}> = []
  for (const [index, spec] of specs.entries()) {
    const failedAt = spec.failedAt ?? new Date()
    const envelope = spec.raw === undefined ? createEnvelope({job: spec.job ?? 'SendEmail', queue, payload: spec.payload ?? {n: index}}) : undefined
    const encoded = envelope && encodeEnvelope(envelope)
    const source: IncomingMessage = {
      topic: queue,
      partition: 0,
      offset: index,
      timestamp: failedAt.getTime() - 1000,
      key: spec.key === undefined ? null : Buffer.from(spec.key),
      value: encoded?.value ?? Buffer.from(spec.raw ?? ''),
      headers: {...encoded?.headers, ...spec.headers},
    }
    records.push(
      deadLetterRecord({
        source,
        error: new Error(`failure ${index}`),
        group: 'kq-workers',
        worker: 'test:1',
        now: failedAt,
        reason: spec.reason ?? (envelope ? 'exhausted' : 'malformed'),
        attempts: envelope ? 3 : 0,
        ...(envelope && {envelope}),
      }),
    )
    ids.push({id: envelope?.id ?? null})
  }

  const publisher = await openPublisher(testConnection())
  try {
    for (let start = 0; start < records.length; start += 1000) await publisher.sendBatch(`${queue}-dlt`, records.slice(start, start + 1000))
  } finally {
    await publisher.close()
  }

  return ids
}

/** The offsets of a queue's pending dead letters, as `kq dlt:list` reports them, in order. */
export async function pendingOffsets(queue: string, group: string): Promise<number[]> {
  const {result} = await runKq<DltListResult>(['dlt:list', queue, '--group', group, '--json'])
  return result!.deadLetters.map((each) => each.deadLetter.offset).sort((a, b) => a - b)
}

/** The dead-letter cursor: the `<group>-dlt` group's committed offsets on the dead-letter topic. */
export async function cursorOf(queue: string, group: string): Promise<Array<{partition: number; offset: number}>> {
  return withTopicAdmin(testConnection(), (admin) => admin.committedOffsets(`${group}-dlt`, `${queue}-dlt`))
}
