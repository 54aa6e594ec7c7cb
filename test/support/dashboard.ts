import {type ChildProcess, execFile} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import path from 'node:path'

import {type TestApp, makeTestApp} from './app.js'
import {kq, startKq} from './cli.js'
import {until} from './worker.js'

/** Fails while the file `broken` exists in the application's folder; then notes each run in ran.ndjson. */
export const FLAKY_JOB = `import {appendFileSync, existsSync} from 'node:fs'

import {Job, type JobContext} from 'kq'

export default class Flaky extends Job<{tag: string}> {
  override tries = 1

  override async handle(payload: {tag: string}, ctx: JobContext): Promise<void> {
    if (existsSync('broken')) throw new Error('still broken: ' + payload.tag)
    appendFileSync('ran.ndjson', JSON.stringify({id: ctx.id, tag: payload.tag}) + '\\n')
  }
}
`

/** An application whose Flaky job fails until its `broken` file is removed. */
export function makeFlakyApp(): TestApp {
  return makeTestApp({jobs: {Flaky: FLAKY_JOB}, files: {broken: ''}})
}

/** Dispatches Flaky jobs to a queue; returns their ids. */
export async function dispatchFlaky(app: TestApp, queue: string, tags: string[]): Promise<string[]> {
  const ids: string[] = []
  for (const tag of tags) {
    const {code, stdout, stderr} = await kq(['dispatch', 'Flaky', JSON.stringify({tag}), '--queue', queue, '--json'], {cwd: app.root})
    if (code !== 0) throw new Error(`dispatch failed: ${stderr}`)
    ids.push((JSON.parse(stdout) as {id: string}).id)
  }

  return ids
}

/** Runs a worker until the queue is empty: with `broken` there, every job is dead-lettered. */
export async function workQueue(app: TestApp, queue: string, group: string): Promise<string> {
  const {code, stdout, stderr} = await kq(['work', queue, '--group', group, '--stop-when-empty'], {cwd: app.root})
  if (code !== 0) throw new Error(`work failed: ${stderr}`)
  return stdout
}

/** A job of a batch, in plain JavaScript for a dispatching script run by Node; it does nothing. */
export const RESIZE_JOB = `import {Job} from 'kq'

export default class Resize extends Job {
  async handle() {}
}
`

/**
 * Dispatches a batch of `count` Resize jobs named `name` to a queue, from a script of the
 * application (which must have RESIZE_JOB as Resize.js); returns its id. No worker runs it.
 */
export async function dispatchResizeBatch(app: TestApp, queue: string, name: string, env: NodeJS.ProcessEnv, count = 2): Promise<string> {
  const script = path.join(app.root, 'batch.mjs')
  writeFileSync(
    script,
    `import {batch, closeDispatch} from 'kq'
import Resize from './src/jobs/Resize.js'

const jobs = Array.from({length: ${count}}, (_, image) => Resize.with({image}))
const receipt = await batch(jobs).onQueue(${JSON.stringify(queue)}).name(${JSON.stringify(name)}).dispatch()
console.log(JSON.stringify({id: receipt.id}))
await closeDispatch()
`,
  )
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [script], {cwd: app.root, timeout: 30_000, env: {...process.env, ...env}}, (error, out, err) => (error ? reject(new Error(`batch dispatch failed: ${err}`)) : resolve(out)))
  })
  return (JSON.parse(stdout) as {id: string}).id
}

/** A running `kq dashboard` on a free port, and how to reach and stop it. */
export interface TestDashboard {
  url: string
  child: ChildProcess
  /** What it printed so far. */
  stdout(): string
  /** Fetches a path of the dashboard; JSON bodies are sent with the page's CSRF header unless told. */
  call(path: string, init?: {method?: string; body?: unknown; headers?: Record<string, string>; csrf?: boolean}): Promise<{status: number; body: any; headers: Headers}>
  stop(): Promise<void>
}

export async function startDashboard(args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv} = {}): Promise<TestDashboard> {
  const running = startKq(['dashboard', '--port', '0', ...args], options)
  let stderr = ''
  running.child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  let exited = false
  void running.exited.then(() => {
    exited = true
  })
  await until(() => exited || /http:\/\/\S+:\d+/.test(running.stdout()), 30_000, 'the dashboard to listen').catch(() => {})
  const found = /(http:\/\/[^/\s:]+:\d+)/.exec(running.stdout())
  if (!found) throw new Error(`kq dashboard did not start: ${stderr}`)
  const url = found[1]
  return {
    url,
    child: running.child,
    stdout: running.stdout,
    async call(path, init = {}) {
      const headers: Record<string, string> = {...(init.body !== undefined && {'content-type': 'application/json'}), ...(init.csrf !== false && {'x-kq-csrf': '1'}), ...init.headers}
      const body = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body)
      const response = await fetch(url + path, {method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body})
      const text = await response.text()
      let parsed: unknown = text
      try {
        parsed = JSON.parse(text)
      } catch {
        // A page, not JSON: the text as it is.
      }

      return {status: response.status, body: parsed, headers: response.headers}
    },
    async stop() {
      if (!exited) running.child.kill('SIGTERM')
      await running.exited
    },
  }
}
