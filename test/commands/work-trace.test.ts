import {strict as assert} from 'node:assert'
import {execFile} from 'node:child_process'
import {readFileSync} from 'node:fs'
import path from 'node:path'

import {type TestApp, makeTestApp} from '../support/app.js'
import {kq} from '../support/cli.js'
import {REPO_ROOT} from '../support/paths.js'
import {kcatRecords} from '../support/topics.js'
import {createWorkedQueue} from '../support/worker.js'

/** Fails both tries, noting what it saw of its trace each time: attempt 1 waits on the retry topic, attempt 2 is dead-lettered. */
const TRACED_JOB = `import {appendFileSync} from 'node:fs'

import {Job, type JobContext} from 'kq'

export default class Traced extends Job<Record<string, never>> {
  override tries = 2
  override backoff = 0

  override async handle(_payload: Record<string, never>, ctx: JobContext): Promise<void> {
    appendFileSync('seen.ndjson', JSON.stringify({attempt: ctx.attempt, traceparent: ctx.traceparent ?? null}) + '\\n')
    throw new Error('traced failure')
  }
}
`

/**
 * A tracer provider and context manager made of the OpenTelemetry API's interfaces alone (no
 * SDK): what an application's SDK registers. Each span notes itself in spans.ndjson as it ends.
 */
const TRACING = `import {AsyncLocalStorage} from 'node:async_hooks'
import {randomBytes} from 'node:crypto'
import {appendFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'

const api = createRequire(path.join(process.cwd(), 'node_modules', 'kq', 'package.json'))('@opentelemetry/api')

class Contexts {
  storage = new AsyncLocalStorage()
  active() { return this.storage.getStore() ?? api.ROOT_CONTEXT }
  with(context, fn, thisArg, ...args) { return this.storage.run(context, () => fn.call(thisArg, ...args)) }
  bind(context, target) { return target }
  enable() { return this }
  disable() { return this }
}

class RecordingSpan {
  constructor(name, options, parent) {
    Object.assign(this, {name, kind: options.kind ?? 0, attributes: {...options.attributes}, parent, status: {code: 0}, events: []})
    this.context = {traceId: parent?.traceId ?? randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), traceFlags: 1}
  }
  spanContext() { return this.context }
  setAttribute(key, value) { this.attributes[key] = value; return this }
  setAttributes(values) { Object.assign(this.attributes, values); return this }
  addEvent(name) { this.events.push(name); return this }
  addLink() { return this }
  addLinks() { return this }
  setStatus(status) { this.status = status; return this }
  updateName(name) { this.name = name; return this }
  isRecording() { return true }
  recordException(error) { this.events.push('exception: ' + error.message) }
  end() {
    const {name, kind, attributes, status, events, context, parent} = this
    appendFileSync('spans.ndjson', JSON.stringify({name, kind, attributes, status, events, traceId: context.traceId, spanId: context.spanId, parentSpanId: parent?.spanId ?? null, parentIsRemote: parent?.isRemote ?? null}) + '\\n')
  }
}

const tracer = {
  startSpan(name, options = {}, context = api.context.active()) {
    return new RecordingSpan(name, options, api.trace.getSpanContext(context))
  },
  startActiveSpan(name, ...args) {
    const fn = args.pop()
    const [options = {}, context = api.context.active()] = args
    const span = this.startSpan(name, options, context)
    return api.context.with(api.trace.setSpan(context, span), fn, undefined, span)
  },
}

api.context.setGlobalContextManager(new Contexts())
api.trace.setGlobalTracerProvider({getTracer: () => tracer})
`

/** Dispatches one Traced job from inside an active span, as a traced web request would. */
const DISPATCH = `import {createRequire} from 'node:module'
import path from 'node:path'

import {Dispatcher, loadConfig} from 'kq'

const api = createRequire(path.join(process.cwd(), 'node_modules', 'kq', 'package.json'))('@opentelemetry/api')
const dispatcher = new Dispatcher(loadConfig())
await api.trace.getTracer('app').startActiveSpan('POST /orders', async (span) => {
  const receipt = await dispatcher.dispatch({name: 'Traced'}, {}, {queue: process.argv[2]})
  span.end()
  console.log(JSON.stringify({id: receipt.id, traceId: span.spanContext().traceId, spanId: span.spanContext().spanId}))
})
await dispatcher.close()
`

const reporter = path.join(REPO_ROOT, 'dist', 'test', 'support', 'report-loaded-modules.js')
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const SPAN_ID = '00f067aa0ba902b7'

function lines<T>(file: string): T[] {
  return readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as T)
}

describe('trace context across dispatch, retries and dead letters', function () {
  this.timeout(120_000)
  let app: TestApp

  beforeEach(() => {
    app = makeTestApp({jobs: {Traced: TRACED_JOB}, files: {'tracing.mjs': TRACING, 'dispatch.mjs': DISPATCH}})
  })

  afterEach(() => app?.remove())

  it('without an SDK loads nothing of OpenTelemetry, and passes the traceparent of kq dispatch (TRACEPARENT) to the job, its retry and its dead letter', async () => {
    const {queue, group} = await createWorkedQueue('trace-plain')
    const traceparent = `00-${TRACE_ID}-${SPAN_ID}-01`
    const sent = await kq(['dispatch', 'Traced', '{}', '--queue', queue], {cwd: app.root, env: {TRACEPARENT: traceparent, TRACESTATE: 'vendor=abc'}})
    assert.equal(sent.code, 0, sent.stderr)
    const worked = await kq(['work', queue, '--group', group, '--stop-when-empty'], {cwd: app.root, nodeArgs: ['--import', reporter]})
    assert.equal(worked.code, 0, worked.stderr)
    assert.match(worked.stderr, /loaded @opentelemetry: 0\n/)

    assert.deepEqual(lines(path.join(app.root, 'seen.ndjson')), [
      {attempt: 1, traceparent},
      {attempt: 2, traceparent},
    ])
    for (const topic of [queue, `${queue}-retry`, `${queue}-dlt`]) {
      const [record] = await kcatRecords(topic)
      assert.deepEqual([record.headers.traceparent, record.headers.tracestate], [traceparent, 'vendor=abc'], topic)
    }
  })

  it('with a tracer provider registered: dispatch() carries the active span, and each attempt runs in a child span the job sees', async () => {
    const {queue, group} = await createWorkedQueue('trace-otel')
    const dispatched = await new Promise<{id: string; traceId: string; spanId: string}>((resolve, reject) => {
      execFile(process.execPath, ['--import', './tracing.mjs', 'dispatch.mjs', queue], {cwd: app.root}, (error, stdout, stderr) =>
        error ? reject(new Error(stderr)) : resolve(JSON.parse(stdout)),
      )
    })
    const worked = await kq(['work', queue, '--group', group, '--stop-when-empty'], {cwd: app.root, nodeArgs: ['--import', './tracing.mjs']})
    assert.equal(worked.code, 0, worked.stderr)

    const parent = `00-${dispatched.traceId}-${dispatched.spanId}-01`
    for (const topic of [queue, `${queue}-retry`, `${queue}-dlt`]) {
      const [record] = await kcatRecords(topic)
      assert.equal(record.headers.traceparent, parent, topic)
    }

    type Span = {name: string; kind: number; traceId: string; spanId: string; parentSpanId: string | null; parentIsRemote: boolean | null; status: {code: number}; attributes: Record<string, unknown>; events: string[]}
    const spans = lines<Span>(path.join(app.root, 'spans.ndjson')).filter((span) => span.name === 'Traced process')
    // Both attempts are children of the dispatching span (the retry record keeps its traceparent), each failed.
    assert.deepEqual(
      spans.map((span) => [span.traceId, span.parentSpanId, span.parentIsRemote, span.kind, span.status.code, span.attributes['kq.attempt'], span.attributes['messaging.message.id']]),
      [
        [dispatched.traceId, dispatched.spanId, true, 4, 2, 1, dispatched.id],
        [dispatched.traceId, dispatched.spanId, true, 4, 2, 2, dispatched.id],
      ],
    )
    assert.deepEqual(spans[0].events, ['exception: traced failure'])
    assert.deepEqual(
      lines(path.join(app.root, 'seen.ndjson')),
      spans.map((span, index) => ({attempt: index + 1, traceparent: `00-${dispatched.traceId}-${span.spanId}-01`})),
    )
  })
})
