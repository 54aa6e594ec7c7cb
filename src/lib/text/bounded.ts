const MARKER = '… [truncated]'

/**
 * `text` cut to at most `maxBytes` of UTF-8, never inside a character, with a marker saying it
 * was cut. For header values: brokers and tools choke on megabyte stack traces.
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text
  const bytes = Buffer.from(text)
  // The limit is the promise: one too small for the marker gets the text alone.
  const marker = Buffer.byteLength(MARKER) <= maxBytes ? MARKER : ''
  let end = Math.max(0, maxBytes - Buffer.byteLength(marker))
  // Back up to the first byte of a character: UTF-8 continuation bytes are 10xxxxxx.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--
  return bytes.subarray(0, end).toString('utf8') + marker
}
