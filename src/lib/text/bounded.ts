/**
 * `text` cut to at most `maxBytes` of UTF-8, never inside a character, with a marker saying it
 * was cut. For header values: brokers and tools choke on megabyte stack traces.
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text
  const marker = '… [truncated]'
  const budget = Math.max(0, maxBytes - Buffer.byteLength(marker))
  const bytes = Buffer.from(text).subarray(0, budget)
  // A cut in the middle of a multi-byte character leaves a replacement character: drop it.
  return bytes.toString('utf8').replace(/\uFFFD$/, '') + marker
}
