import {createReadStream} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {createInterface} from 'node:readline'

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

/** The lines of an NDJSON file, or of stdin for `-`, with their 1-based numbers. */
async function* numberedLines(source: string): AsyncGenerator<{line: number; text: string}> {
  const input = source === '-' ? process.stdin : createReadStream(source, {encoding: 'utf8'})
  const reader = createInterface({input, crlfDelay: Number.POSITIVE_INFINITY})
  let line = 0
  try {
    for await (const text of reader) yield {line: ++line, text}
  } catch (error) {
    throw new UsageError(`cannot read ${source}: ${errorMessage(error)}`)
  }
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
  for await (const {line, text} of numberedLines(source)) {
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

  if (lines.length === 0) throw new UsageError(`${source === '-' ? 'stdin' : source} holds no jobs: nothing was sent`)
  return lines
}
