/**
 * Which dead letters are handled (replayed or purged), kept where Kafka keeps a consumer
 * group's progress: the committed offset of a cursor group on each partition of the dead-letter
 * topic, and the metadata string Kafka stores with it. Pure: no I/O.
 *
 * The committed offset marks every record before it handled; a selection (`--id`, `--job` ...)
 * may handle records further on and leave earlier ones pending, so the metadata lists those
 * handled beyond the cursor, as ranges of offsets. Ranges are counted in records: offsets with
 * no record between two handled ones (none in a topic kq writes, but a transactional producer
 * leaves markers) do not split a range.
 */

/**
 * Kafka refuses metadata over offset.metadata.max.bytes (4096 by default). 100 ranges of two
 * 16-digit offsets fit with room to spare; a selection that would need more is refused.
 */
export const MAX_HANDLED_RANGES = 100

/** Marks metadata kq wrote, and its version; anything else is ignored (nothing handled beyond the cursor). */
const METADATA_PREFIX = 'kq-dlt/1 '

/** Offsets `from` to `to`, both included. */
export interface OffsetRange {
  from: number
  to: number
}

export function encodeHandledRanges(ranges: OffsetRange[]): string | null {
  if (ranges.length === 0) return null
  return METADATA_PREFIX + ranges.map(({from, to}) => (from === to ? String(from) : `${from}-${to}`)).join(',')
}

/** The ranges in metadata kq wrote; none for empty, foreign or damaged metadata. */
export function decodeHandledRanges(metadata: string | null | undefined): OffsetRange[] {
  if (!metadata?.startsWith(METADATA_PREFIX)) return []
  const ranges: OffsetRange[] = []
  for (const part of metadata.slice(METADATA_PREFIX.length).split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part)
    if (!match) return []
    const from = Number(match[1])
    const to = Number(match[2] ?? match[1])
    if (!Number.isSafeInteger(to) || to < from) return []
    ranges.push({from, to})
  }

  return ranges
}

/**
 * What the cursor group says about one partition: the committed offset (-1 for none, which
 * leaves every record pending) and the ranges handled beyond it.
 */
export interface PartitionCursor {
  partition: number
  committed: number
  handled: OffsetRange[]
}

export function isHandled(cursor: PartitionCursor, offset: number): boolean {
  return offset < cursor.committed || cursor.handled.some(({from, to}) => from <= offset && offset <= to)
}

/**
 * One partition as read from its cursor to its end: the offsets of the records there, in
 * order, and whether each is handled. What a commit can say is computed from this alone.
 */
export interface PartitionLedger {
  partition: number
  /** The partition's end offset when it was read: the commit never passes it. */
  end: number
  /** Offsets of the records from the cursor (or the log start, if later) to the end, ascending. */
  offsets: number[]
  handled: boolean[]
}

export function ledgerOf(cursor: PartitionCursor, offsets: number[], end: number): PartitionLedger {
  return {partition: cursor.partition, end, offsets, handled: offsets.map((offset) => isHandled(cursor, offset))}
}

/** A commit for one partition: the new cursor and the ranges handled beyond it. */
export interface CursorCommit {
  partition: number
  offset: number
  metadata: string | null
  /** The ranges in the metadata, for reports. */
  handledBeyond: number
}

/**
 * The commit that records `ledger` with `adding` (offsets of its records) handled too: the
 * cursor moves to the first record still pending (the end when none is), and the handled
 * records after it become ranges.
 */
export function commitFor(ledger: PartitionLedger, adding: Iterable<number> = []): CursorCommit {
  const progress = new LedgerProgress(ledger)
  for (const offset of adding) progress.add(offset)
  return progress.commit()
}

/**
 * A ledger whose records are handled one after another, as a replay does, committing as it
 * goes. Each commit costs the records between the cursor and the last handled one, not the
 * whole partition: a replay of a million dead letters in order stays linear.
 */
export class LedgerProgress {
  private readonly handled: boolean[]
  private readonly indexOf: Map<number, number>
  private firstPending: number
  private lastHandled: number

  constructor(private readonly ledger: PartitionLedger) {
    this.handled = [...ledger.handled]
    this.indexOf = new Map(ledger.offsets.map((offset, index) => [offset, index]))
    this.firstPending = 0
    this.lastHandled = this.handled.lastIndexOf(true)
    this.skipHandled()
  }

  /** Marks the record at `offset` handled; an offset that is not one of the ledger's records is ignored. */
  add(offset: number): void {
    const index = this.indexOf.get(offset)
    if (index === undefined) return
    this.handled[index] = true
    this.lastHandled = Math.max(this.lastHandled, index)
    this.skipHandled()
  }

  commit(): CursorCommit {
    const {offsets, end, partition} = this.ledger
    const offset = this.firstPending < offsets.length ? offsets[this.firstPending] : end
    const ranges: OffsetRange[] = []
    for (let index = this.firstPending + 1; index <= this.lastHandled; index++) {
      if (!this.handled[index]) continue
      const last = ranges.at(-1)
      if (last && this.handled[index - 1]) last.to = offsets[index]
      else ranges.push({from: offsets[index], to: offsets[index]})
    }

    return {partition, offset, metadata: encodeHandledRanges(ranges), handledBeyond: ranges.length}
  }

  private skipHandled(): void {
    while (this.firstPending < this.handled.length && this.handled[this.firstPending]) this.firstPending++
  }
}

/**
 * The most ranges the metadata will need at any point while `adding` is handled one record at
 * a time, in the order given (a replay commits as it goes, so every step must fit). Counted in
 * one pass: a record between two handled neighbours merges two runs, one between two pending
 * ones starts a run. The records before the cursor are a run that is not a range (the cursor
 * itself), and count as the first record's handled neighbour.
 */
export function mostRangesWhileAdding(ledger: PartitionLedger, adding: number[]): number {
  const handled = [...ledger.handled]
  const indexOf = new Map(ledger.offsets.map((offset, index) => [offset, index]))
  const isSet = (index: number) => index < 0 || (index < handled.length && handled[index])
  let ranges = 0
  for (let index = 0; index < handled.length; index++) {
    if (handled[index] && !isSet(index - 1)) ranges++
  }

  let most = ranges
  for (const offset of adding) {
    const index = indexOf.get(offset)
    if (index === undefined || handled[index]) continue
    const left = isSet(index - 1)
    const right = isSet(index + 1)
    if (left && right) ranges -= 1
    else if (!left && !right) ranges += 1
    handled[index] = true
    most = Math.max(most, ranges)
  }

  return most
}

/** A selection the metadata could not remember: too many handled ranges beyond the cursor. */
export interface CursorRoomProblem {
  partition: number
  ranges: number
}

/**
 * The partitions where handling `adding` (offsets per partition, in the order they will be
 * handled) would need more than MAX_HANDLED_RANGES ranges at some point; none when it fits.
 */
export function cursorRoomProblems(ledgers: Map<number, PartitionLedger>, adding: Map<number, number[]>): CursorRoomProblem[] {
  const problems: CursorRoomProblem[] = []
  for (const [partition, offsets] of adding) {
    const ledger = ledgers.get(partition)
    if (!ledger) continue
    const ranges = mostRangesWhileAdding(ledger, offsets)
    if (ranges > MAX_HANDLED_RANGES) problems.push({partition, ranges})
  }

  return problems
}
