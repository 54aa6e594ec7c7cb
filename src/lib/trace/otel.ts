import {createRequire} from 'node:module'

import type * as OtelApi from '@opentelemetry/api'

import {type IncomingMessage} from '../kafka/index.js'
import {TRACE_HEADERS, type TraceParent, formatTraceparent, parseTraceparent} from './traceparent.js'

/**
 * kq and the OpenTelemetry API, an optional peer dependency. An application that traces
 * registers an SDK, which puts its tracer provider, context manager and propagator on a global
 * shared by every copy of API 1.x; kq looks for that global and, only when it finds one, loads
 * the API to read the active span and make a span per job. Without it, nothing is loaded and
 * trace headers travel as plain headers.
 */

/** Where every copy of the OpenTelemetry API 1.x keeps what was registered. */
const GLOBAL_KEY = Symbol.for('opentelemetry.js.api.1')

type Registered = {trace?: unknown; context?: unknown}

/** Whether an SDK (or anything else) registered a tracer provider or context manager. */
export function isTracingRegistered(): boolean {
  const registered = (globalThis as Record<symbol, Registered | undefined>)[GLOBAL_KEY]
  return registered !== undefined && (registered.trace !== undefined || registered.context !== undefined)
}

let api: typeof OtelApi | null | undefined

/** The API, loaded on first need; null when it is not installed (then kq traces nothing). */
function loadApi(): typeof OtelApi | null {
  if (api === undefined) {
    try {
      api = createRequire(import.meta.url)('@opentelemetry/api') as typeof OtelApi
    } catch {
      api = null
    }
  }

  return api
}

/** The traceparent and tracestate of the active span, for a dispatch; none without a registered SDK or an active span. */
export function activeTraceHeaders(): Record<string, string> {
  if (!isTracingRegistered()) return {}
  const otel = loadApi()
  const span = otel?.trace.getSpanContext(otel.context.active())
  if (!otel || !span || !otel.isSpanContextValid(span)) return {}
  const state = span.traceState?.serialize()
  return {[TRACE_HEADERS.traceparent]: formatTraceparent(span), ...(state && {[TRACE_HEADERS.tracestate]: state})}
}


/**
 * Runs one attempt in a span of its own, a child of the span the job was dispatched from (its
 * traceparent header), and active while the job runs, so that the job's own spans and dispatches
 * join the trace. `run` gets the traceparent the job should see: its span's, else the header's.
 * Without a registered SDK, `run` is called at once with the header's.
 */
export async function runInSpan<T extends {ok: boolean; error?: unknown}>(
  message: IncomingMessage,
  about: {job: string; id: string; attempt: number},
  run: (traceparent: string | undefined) => Promise<T>,
): Promise<T> {
  const header = message.headers[TRACE_HEADERS.traceparent]
  const otel = isTracingRegistered() ? loadApi() : null
  if (!otel) return run(header)
  const parent = parseTraceparent(header)
  const parentContext = parent === undefined ? otel.ROOT_CONTEXT : remoteContext(otel, parent, message.headers[TRACE_HEADERS.tracestate])
  const span = otel.trace.getTracer('kq').startSpan(
    `${about.job} process`,
    {
      kind: otel.SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': message.topic,
        'messaging.destination.partition.id': String(message.partition),
        'messaging.kafka.offset': message.offset,
        'messaging.message.id': about.id,
        'kq.job': about.job,
        'kq.attempt': about.attempt,
      },
    },
    parentContext,
  )
  try {
    const own = span.spanContext()
    const outcome = await otel.context.with(otel.trace.setSpan(parentContext, span), () => run(otel.isSpanContextValid(own) ? formatTraceparent(own) : header))
    if (!outcome.ok) {
      const error = outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error))
      span.recordException(error)
      span.setStatus({code: otel.SpanStatusCode.ERROR, message: error.message})
    }

    return outcome
  } finally {
    span.end()
  }
}

function remoteContext(otel: typeof OtelApi, parent: TraceParent, state: string | undefined): OtelApi.Context {
  return otel.trace.setSpanContext(otel.ROOT_CONTEXT, {
    ...parent,
    isRemote: true,
    ...(state && {traceState: otel.createTraceState(state)}),
  })
}
