/** One line of a bulk dispatch, checked: its payload's JSON text (parsed once) and its key. */
export interface BulkLine {
  payloadJson: string
  key: string | null
  /** Its line number in the source, for saying how far a dispatch got; absent from code. */
  line?: number
}

/**
 * Checked bulk lines, by index: what a bulk dispatch sends. Code gives an array of BulkLine
 * (arrayLines); an NDJSON file's lines are kept as LineStore's byte ranges.
 */
export interface BulkLines {
  readonly length: number
  /** The line's payload as JSON text, exactly as it was checked. */
  payloadJson(index: number): string
  /** The same as UTF-8 bytes when the source holds them as they stand; else undefined. */
  payloadBytes?(index: number): Buffer | undefined
  key(index: number): string | null
  /** Its line number in the source; undefined for lines given by code. */
  line(index: number): number | undefined
}

export function arrayLines(lines: BulkLine[]): BulkLines {
  return {
    length: lines.length,
    payloadJson: (index) => lines[index].payloadJson,
    key: (index) => lines[index].key,
    line: (index) => lines[index].line,
  }
}

/**
 * An NDJSON source's checked lines as byte ranges of the buffers they were read in, not as
 * strings: a million 200-byte lines held as a million strings and objects on the JavaScript heap
 * cost a bulk dispatch more garbage collection than its sends (every object was copied as it
 * aged, then marked again and again while the heap grew). Buffers are outside that heap, and
 * the ranges are typed arrays. A line is sent from its bytes (payloadBytes), or decoded again,
 * the same way, when its text is needed.
 */
export class LineStore implements BulkLines {
  private readonly buffers: Buffer[] = []
  private buffer = new Uint32Array(1024)
  private start = new Uint32Array(1024)
  private end = new Uint32Array(1024)
  private lineNumber = new Uint32Array(1024)
  /** Each line's key when keys differ (--key-field); else every line has `sharedKey`. */
  private keys: Array<string | null> | undefined
  /** Lines whose payload is not their bytes as they stand (whitespace trimmed around it). */
  private readonly texts = new Map<number, string>()
  length = 0

  constructor(private readonly sharedKey: string | null = null) {}

  /** Keeps `buffer` for the lines added next; returns its number for add(). */
  keep(buffer: Buffer): number {
    this.buffers.push(buffer)
    return this.buffers.length - 1
  }

  /**
   * Adds a checked line: bytes [start, end) of kept buffer `buffer`, which decode to `text`;
   * `payloadJson` is the text trimmed, kept as a string only when trimming changed it.
   */
  add(line: {buffer: number; start: number; end: number; text: string; payloadJson: string; lineNumber: number; key?: string | null}): void {
    const index = this.length
    if (index === this.start.length) this.grow()
    this.buffer[index] = line.buffer
    this.start[index] = line.start
    this.end[index] = line.end
    this.lineNumber[index] = line.lineNumber
    if (line.payloadJson.length !== line.text.length) this.texts.set(index, line.payloadJson)
    if (line.key !== undefined) {
      this.keys ??= Array.from({length: index}, () => this.sharedKey)
      this.keys.push(line.key)
    }

    this.length++
  }

  payloadJson(index: number): string {
    const trimmed = this.texts.size === 0 ? undefined : this.texts.get(index)
    return trimmed ?? this.buffers[this.buffer[index]].toString('utf8', this.start[index], this.end[index])
  }

  payloadBytes(index: number): Buffer | undefined {
    if (this.texts.size > 0 && this.texts.has(index)) return undefined
    return this.buffers[this.buffer[index]].subarray(this.start[index], this.end[index])
  }

  key(index: number): string | null {
    return this.keys === undefined ? this.sharedKey : this.keys[index]
  }

  line(index: number): number {
    return this.lineNumber[index]
  }

  private grow(): void {
    const larger = (array: Uint32Array) => {
      const grown = new Uint32Array(array.length * 2)
      grown.set(array)
      return grown
    }

    this.buffer = larger(this.buffer)
    this.start = larger(this.start)
    this.end = larger(this.end)
    this.lineNumber = larger(this.lineNumber)
  }
}
