import {createReadStream} from 'node:fs'
import {readFile} from 'node:fs/promises'

import {ExitCode, KqError, UsageError, errorMessage} from '../errors.js'
import {type StandardSchemaV1} from '../schema/standard.js'
import {assertPayloadValid} from '../schema/validate.js'
import {type BulkTarget} from './dispatcher.js'
import {LineStore} from './line-store.js'
import {keyFromField, parsePayload} from './input.js'

/** Where a payload's text comes from: the argument, `-` (stdin) or `--file`. */
export interface PayloadText {
  text: string
  /** For error messages: `payload`, `payload (from stdin)`, `payload (from --file job.json)`. */
  label: string
}

export async function readPayloadText(argument: string | undefined, file: string | undefined): Promise<PayloadText | undefined> {
  if (argument !== undefined && file !== undefined) {
    throw new UsageError('give the payload either as an argument or with --file, not both')
  }

  if (file !== undefined) return {text: await readUserFile(file), label: `payload (from --file ${file})`}
  if (argument === '-') return {text: await readStdin(), label: 'payload (from stdin)'}
  if (argument !== undefined) return {text: argument, label: 'payload'}
  return undefined
}

async function readUserFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${errorMessage(error)}`)
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** A read of an NDJSON source and the lines it ends: [start, end) byte pairs, end of line excluded. */
interface LineRanges {
  buffer: Buffer
  ranges: number[]
}

/**
 * The lines of an NDJSON file, or of stdin for `-`, a read at a time and as bytes: decoding each
 * read to a string, and keeping each line as one, was most of a bulk dispatch's reading time.
 * Lines end where readline ends them: at \n, \r\n or a lone \r. A line is never cut between
 * reads (the bytes after a read's last \n start the next), so no character is either.
 */
async function* lineRanges(source: string): AsyncGenerator<LineRanges> {
  const input = source === '-' ? process.stdin : createReadStream(source, {highWaterMark: 1 << 20})
  // The bytes after the last \n read so far: the start of a line a later read ends.
  let rest: Buffer | undefined
  try {
    for await (const chunk of input) {
      const read = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
      let from = 0
      if (rest !== undefined) {
        // The line cut between two reads gets a buffer of its own: the reads are not copied.
        const first = read.indexOf(10)
        if (first === -1) {
          rest = Buffer.concat([rest, read])
          continue
        }

        const joined = Buffer.concat([rest, read.subarray(0, first)])
        rest = undefined
        yield {buffer: joined, ranges: splitLines(joined, 0, joined.length)}
        from = first + 1
      }

      const last = read.lastIndexOf(10)
      if (last < from) {
        if (from < read.length) rest = read.subarray(from)
        continue
      }

      if (last + 1 < read.length) rest = read.subarray(last + 1)
      yield {buffer: read, ranges: splitLines(read, from, last)}
    }
  } catch (error) {
    throw new UsageError(`cannot read ${source}: ${errorMessage(error)}`)
  }

  if (rest !== undefined) yield {buffer: rest, ranges: splitLines(rest, 0, rest.length)}
}

/** The lines of buffer[from, to), `to` being a \n or the end: at least one, maybe empty. */
function splitLines(buffer: Buffer, from: number, to: number): number[] {
  const ranges: number[] = []
  const hasCr = buffer.subarray(from, to).includes(13)
  let start = from
  while (start <= to) {
    let end = buffer.indexOf(10, start)
    if (end === -1 || end > to) end = to
    if (hasCr) splitAtCr(buffer, start, end, ranges)
    else ranges.push(start, end)
    start = end + 1
  }

  return ranges
}

/** A line that may hold \r: without its ending \r (of \r\n), then cut at each lone one. */
function splitAtCr(buffer: Buffer, start: number, end: number, ranges: number[]): void {
  if (end > start && buffer[end - 1] === 13) end--
  let from = start
  for (let at = buffer.subarray(from, end).indexOf(13); at !== -1; at = buffer.subarray(from, end).indexOf(13)) {
    ranges.push(from, from + at)
    from += at + 1
  }

  ranges.push(from, end)
}

/**
 * Checks every line of an NDJSON source before anything is sent: each must parse, pass the job's
 * schema when it has one, carry its key field when one is asked for, and fit in a message. A bad
 * line stops the dispatch with its number, and no job of the file reaches Kafka. Blank lines are
 * skipped. The lines are kept as the bytes they were read in (LineStore).
 */
export async function readNdjson(
  target: BulkTarget,
  source: string,
  options: {key?: string; keyField?: string; schema?: StandardSchemaV1},
): Promise<LineStore> {
  const lines = new LineStore(options.keyField === undefined ? (options.key ?? null) : null)
  let lineNumber = 0
  for await (const {buffer, ranges} of lineRanges(source)) {
    const kept = lines.keep(buffer)
    for (let at = 0; at < ranges.length; at += 2) {
      lineNumber++
      const text = buffer.toString('utf8', ranges[at], ranges[at + 1])
      const payloadJson = text.trim()
      if (payloadJson === '') continue
      try {
        const payload = parsePayload(payloadJson, 'payload')
        if (options.schema !== undefined) await assertPayloadValid(options.schema, payload, target.job)
        const key = options.keyField === undefined ? undefined : keyFromField(payload, options.keyField)
        target.encoder.assertFits(payloadJson)
        lines.add({buffer: kept, start: ranges[at], end: ranges[at + 1], text, payloadJson, lineNumber, key})
      } catch (error) {
        if (error instanceof KqError && error.exitCode === ExitCode.Usage) {
          throw new UsageError(`line ${lineNumber} of ${source === '-' ? 'stdin' : source}: ${error.message}; nothing was sent`)
        }

        throw error
      }
    }
  }

  if (lines.length === 0) throw new UsageError(`${source === '-' ? 'stdin' : source} holds no jobs: nothing was sent`)
  return lines
}
