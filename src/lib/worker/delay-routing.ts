import {FAILURE_HEADERS} from '../failure/headers.js'
import {delayTopicFor, dueAtOf, leavesRungAt} from '../delay/ladder.js'
import {type IncomingMessage} from '../kafka/index.js'
import {type PartitionLedger} from './ledger.js'
import {type JobProcessor} from './processor.js'
import {type Entry} from './scheduler.js'
import {type TopicRole} from './topic-roles.js'

/**
 * The worker's side of the delay ladder (see delay/ladder.ts): when a record it reads is due,
 * and how one that is not due for a while is written down to the rung for the time it has left.
 * Kept apart from the engine, which only decides where each record goes.
 */

/** When a record may run: its not-before header, or for a delay record without one, its rung's time. */
export function dueAt(record: IncomingMessage, role: TopicRole): number {
  const due = dueAtOf(record.headers)
  return due === 0 && role.rung ? record.timestamp + role.rung.ms : due
}

/** When a record of a delay rung leaves it: a rung is first-in, first-due. */
export function leavesRung(record: IncomingMessage, role: TopicRole): number {
  return leavesRungAt(role.rung!, record.timestamp, dueAt(record, role))
}

export interface LadderMoverDeps {
  group: string
  roles: ReadonlyMap<string, TopicRole>
  processor: Pick<JobProcessor, 'write'>
  /** The record is on its rung now: it is finished here. */
  moved(ledger: PartitionLedger, offset: number): void
  /** The copy could not be written: the record stays unfinished. */
  failed(error: unknown): void
  /** A move has ended, written or not (the engine may be idle now). */
  settled(): void
}

/** Writes records that are not due yet down the ladder, counting those on their way. */
export class LadderMover {
  /** Records being written to a delay rung. */
  moving = 0

  constructor(private readonly deps: LadderMoverDeps) {}

  /**
   * Writes a record that is not due yet to the rung for the time it has left, then finishes it
   * here. The copy is marked as this group's, so that other groups reading the same rung leave it.
   */
  async moveDown(entry: Entry, remaining: number): Promise<void> {
    const {record, ledger} = entry
    const target = delayTopicFor(this.deps.roles.get(record.topic)!.topics.topic, remaining)!
    this.moving++
    try {
      await this.deps.processor.write(target, {
        key: record.key,
        value: record.value ?? '',
        headers: {...record.headers, [FAILURE_HEADERS.consumerGroup]: this.deps.group},
      })
      this.deps.moved(ledger, record.offset)
    } catch (error) {
      this.deps.failed(error)
    } finally {
      this.moving--
      this.deps.settled()
    }
  }
}
