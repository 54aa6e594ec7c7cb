/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) as Kafka headers: `traceparent`
 * names the trace and the span a job was dispatched from, `tracestate` carries vendors' data.
 * Plain strings, readable by any tool, and carried unchanged on retry, delay, dead-letter and
 * replay records like any header of the application's. Pure.
 */
export const TRACE_HEADERS = {traceparent: 'traceparent', tracestate: 'tracestate'} as const

export interface TraceParent {
  /** 32 lower-case hex digits, not all zero. */
  traceId: string
  /** 16 lower-case hex digits, not all zero: the span the job was dispatched from. */
  spanId: string
  /** Bit 0: sampled. */
  traceFlags: number
}

const FORMAT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?$/

/** The parts of a traceparent value, or undefined for one that the standard says to ignore. */
export function parseTraceparent(value: string | undefined): TraceParent | undefined {
  const match = FORMAT.exec(value?.trim() ?? '')
  if (!match) return undefined
  const [, version, traceId, spanId, flags, rest] = match
  // Version ff is forbidden; version 00 has nothing after the flags; later versions may.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined
  return {traceId, spanId, traceFlags: Number.parseInt(flags, 16)}
}

export function formatTraceparent(parent: TraceParent): string {
  return `00-${parent.traceId}-${parent.spanId}-${(parent.traceFlags & 0xff).toString(16).padStart(2, '0')}`
}

/**
 * Trace headers from a process's environment: TRACEPARENT and TRACESTATE, as CI systems and
 * OpenTelemetry's proposal for environment carriers set them, so that `kq dispatch` in a traced
 * script joins its trace. An invalid TRACEPARENT is ignored, as the standard asks.
 */
export function traceHeadersFromEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const parent = parseTraceparent(env.TRACEPARENT)
  if (parent === undefined) return {}
  const state = env.TRACESTATE?.trim()
  return {[TRACE_HEADERS.traceparent]: formatTraceparent(parent), ...(state && {[TRACE_HEADERS.tracestate]: state})}
}
