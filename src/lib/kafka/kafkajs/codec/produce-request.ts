/**
 * An edit of kafkajs's produce request (v3, which v4 to v7 reuse), made to its source as kq's
 * bundle is built (scripts/bundle.mjs). kafkajs makes each record's input as
 * `{...message, offsetDelta, timestampDelta}`: spreading messages of many shapes took more of a
 * bulk dispatch's CPU than encoding the records, about 3 µs a message, and left objects that
 * were slow to read. The edit names the three fields a record takes from its message instead.
 */

const SPREAD = /Record\(\{\s*\.\.\.message,/

export function editProduceRequest(source: string): string {
  if (!SPREAD.test(source)) throw new Error("kafkajs's produce request no longer spreads each message into its record: see codec/produce-request.ts")
  return source.replace(SPREAD, 'Record({ key: message.key, value: message.value, headers: message.headers,')
}
