import {createReadStream} from 'node:fs'
import {readFile} from 'node:fs/promises'

import {ExitCode, KqError, UsageError, errorMessage} from '../errors.js'
import {type StandardSchemaV1} from '../schema/standard.js'
import {assertPayloadValid} from '../schema/validate.js'
import {type BulkLine, type BulkTarget} from './dispatcher.js'
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

/**
 * The lines of an NDJSON file, or of stdin for `-`, a read at a time: readline's one line per
 * turn of the event loop was a measurable share of a bulk dispatch. Lines end where readline
 * ends them: at \n, \r\n or a lone \r.
 */
async function* lineBatches(source: string): AsyncGenerator<string[]> {
  const input = source === '-' ? process.stdin.setEncoding('utf8') : createReadStream(source, {encoding: 'utf8', highWaterMark: 1 << 20})
  // The part of the last read after its last \n: the start of a line the next read ends.
  let rest = ''
  try {
    for await (const chunk of input) {
      const text = rest + (chunk as string)
      const end = text.lastIndexOf('\n')
      if (end === -1) {
        rest = text
        continue
      }

      rest = text.slice(end + 1)
      yield splitLines(text.slice(0, end))
    }
  } catch (error) {
    throw new UsageError(`cannot read ${source}: ${errorMessage(error)}`)
  }

  if (rest !== '') yield splitLines(rest)
}

function splitLines(text: string): string[] {
  const lines = text.split('\n')
  if (!text.includes('\r')) return lines
  return lines.flatMap((line) => (line.endsWith('\r') ? line.slice(0, -1) : line).split('\r'))
}

/**
 * Checks every line of an NDJSON source before anything is sent: each must parse, pass the job's
 * schema when it has one, carry its key field when one is asked for, and fit in a message. A bad line stops the dispatch with its
 * number, and no job of the file reaches Kafka. Blank lines are skipped.
 */
export async function readNdjson(
  target: BulkTarget,
  source: string,
  options: {key?: string; keyField?: string; schema?: StandardSchemaV1},
): Promise<BulkLine[]> {
  const lines: BulkLine[] = []
  let line = 0
  for await (const batch of lineBatches(source)) {
    for (const text of batch) {
      line++
      const payloadJson = text.trim()
      if (payloadJson === '') continue
      try {
        const payload = parsePayload(payloadJson, 'payload')
        if (options.schema !== undefined) await assertPayloadValid(options.schema, payload, target.job)
        const key = options.keyField === undefined ? (options.key ?? null) : keyFromField(payload, options.keyField)
        target.encoder.assertFits(payloadJson)
        lines.push({payloadJson, key, line})
      } catch (error) {
        if (error instanceof KqError && error.exitCode === ExitCode.Usage) {
          throw new UsageError(`line ${line} of ${source === '-' ? 'stdin' : source}: ${error.message}; nothing was sent`)
        }

        throw error
      }
    }
  }

  if (lines.length === 0) throw new UsageError(`${source === '-' ? 'stdin' : source} holds no jobs: nothing was sent`)
  return lines
}
