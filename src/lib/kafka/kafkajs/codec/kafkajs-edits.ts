/**
 * Edits of kafkajs's own source, made as kq's bundle is built (scripts/bundle.mjs), where a
 * module of kq's own in its place (see KAFKAJS_REPLACED there) would copy more than it changes.
 * Each edit fails the build when its text is no longer there, and is tested against kafkajs.
 */

/** The edit of each kafkajs file, by its path in the package. */
export const KAFKAJS_EDITS: Record<string, (source: string) => string> = {
  'src/protocol/requests/produce/v3/request.js': editProduceRequest,
  'src/protocol/encoder.js': editEncoder,
}

function replaceOnce(source: string, pattern: RegExp, replacement: string, what: string): string {
  if (!pattern.test(source)) throw new Error(`kafkajs's ${what} is not as kq's bundle expects: see codec/kafkajs-edits.ts`)
  return source.replace(pattern, replacement)
}

/**
 * kafkajs's produce request (v3, which v4 to v7 reuse) makes each record's input as
 * `{...message, offsetDelta, timestampDelta}`: spreading messages of many shapes took more of a
 * bulk dispatch's CPU than encoding the records, about 3 µs a message, and left objects slow to
 * read. The edit names the three fields a record takes from its message instead.
 */
export function editProduceRequest(source: string): string {
  return replaceOnce(source, /Record\(\{\s*\.\.\.message,/, 'Record({ key: message.key, value: message.value, headers: message.headers,', 'produce request')
}

/**
 * kafkajs's Encoder grows its buffer with Buffer.alloc, which fills it with zeros first: a
 * request is copied into each encoder around it (record batch, partition, topic, request), and
 * zeroing those half-megabyte buffers was about 7 % of a bulk dispatch's CPU. Every byte an
 * Encoder hands out, up to its offset, is one it wrote, so the zeros were never read.
 */
export function editEncoder(source: string): string {
  return replaceOnce(source, /const newBuffer = Buffer\.alloc\(newLength\)/, 'const newBuffer = Buffer.allocUnsafe(newLength)', 'Encoder')
}
