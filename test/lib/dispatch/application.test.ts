import {strict as assert} from 'node:assert'
import {execFile} from 'node:child_process'
import net from 'node:net'
import path from 'node:path'

import {type TestApp, makeTestApp} from '../../support/app.js'
import {REPO_ROOT} from '../../support/paths.js'
import {createQueue, endOffsetTotal, kcatRecords} from '../../support/topics.js'

/** Runs a script of the test application with plain Node, as the application would run. */
async function runScript(app: TestApp, script: string, options: {env?: NodeJS.ProcessEnv; timeout?: number} = {}): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const env = {...process.env, ...options.env}
    execFile(process.execPath, [path.join(app.root, script)], {cwd: app.root, env, timeout: options.timeout ?? 30_000}, (error, stdout, stderr) => {
      resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr})
    })
  })
}

describe('dispatching from application code', function () {
  this.timeout(60_000)
  let app: TestApp
  let queue: string

  before(async () => {
    queue = await createQueue('app-dispatch', 2)
    app = makeTestApp({
      jobs: {
        'SendWelcomeEmail.js': `import {Job} from 'kq'

export default class SendWelcomeEmail extends Job {
  queue = '${queue}'
  tries = 4
  async handle() {}
}
`,
      },
      files: {
        // As the seed's controller does: dispatch, then (being a script) close the producer and exit.
        'dispatch.mjs': `import {closeDispatch} from 'kq'
import SendWelcomeEmail from './src/jobs/SendWelcomeEmail.js'

const first = await SendWelcomeEmail.dispatch({userId: 42}, {key: 'user-42', headers: {trace: 't-1'}})
const second = await SendWelcomeEmail.dispatch({userId: 43})
console.log(JSON.stringify([first, second]))
await closeDispatch()
`,
        'delayed.mjs': `import {closeDispatch} from 'kq'
import SendWelcomeEmail from './src/jobs/SendWelcomeEmail.js'

const later = await SendWelcomeEmail.dispatch({userId: 44}, {delay: 90, key: 'user-44'})
const at = await SendWelcomeEmail.dispatch({userId: 45}, {at: new Date(Date.now() + 2 * 3600 * 1000)})
console.log(JSON.stringify([later, at]))
await closeDispatch()
`,
        // An application that does not close the producer: after a failed dispatch, nothing may keep it running.
        'unreachable.mjs': `import SendWelcomeEmail from './src/jobs/SendWelcomeEmail.js'

try {
  await SendWelcomeEmail.dispatch({userId: 46})
} catch (error) {
  console.log(error.message)
}
`,
        'typed.ts': `import SendWelcomeEmail from './src/jobs/Typed.js'
await SendWelcomeEmail.dispatch({userId: 42})
// @ts-expect-error: the payload type comes from the job class
await SendWelcomeEmail.dispatch({userId: 'forty-two'})
`,
        'src/jobs/Typed.ts': `import {Job} from 'kq'
export default class Typed extends Job<{userId: number}> {
  override async handle(payload: {userId: number}): Promise<void> {}
}
`,
      },
    })
  })

  after(() => app.remove())

  it('sends jobs through one shared producer, with key and headers, and lets the process exit', async () => {
    const before = await endOffsetTotal(queue)
    const {code, stdout, stderr} = await runScript(app, 'dispatch.mjs')
    assert.equal(code, 0, stderr)
    const [first, second] = JSON.parse(stdout)
    assert.equal(first.topic, queue)
    assert.equal(second.job, 'SendWelcomeEmail')
    assert.equal(await endOffsetTotal(queue), before + 2)
    const record = (await kcatRecords(queue)).find((each) => each.headers['kq-job-id'] === first.id)
    assert.equal(record?.key, 'user-42')
    assert.equal(record?.headers.trace, 't-1')
    assert.deepEqual(JSON.parse(record?.payload ?? '{}').payload, {userId: 42})
    assert.equal(JSON.parse(record?.payload ?? '{}').maxTries, 4)
  })

  it('delays a job with {delay} in seconds or {at} a Date, and says where it waits and until when', async () => {
    const {code, stdout, stderr} = await runScript(app, 'delayed.mjs')
    assert.equal(code, 0, stderr)
    const [later, at] = JSON.parse(stdout)
    assert.equal(later.topic, `${queue}-delay-1m`)
    assert.equal(at.topic, `${queue}-delay-1h`)
    const record = (await kcatRecords(later.topic)).find((each) => each.headers['kq-job-id'] === later.id)
    assert.equal(record?.key, 'user-44')
    assert.equal(record?.headers['kq-not-before'], later.dueAt)
  })

  it('lets the process exit after a dispatch that found no broker answering, without closeDispatch()', async () => {
    // Accepts connections and says nothing: kafkajs, left alone, would wait 30s for each request.
    const silent = net.createServer((socket) => socket.on('error', () => {}))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const address = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`
    try {
      const {code, stdout, stderr} = await runScript(app, 'unreachable.mjs', {env: {KAFKA_BROKERS: address, KAFKA_CONNECT_TIMEOUT: '2'}, timeout: 15_000})
      assert.equal(code, 0, `${stdout}${stderr}`)
      assert.match(stdout, new RegExp(`^cannot reach Kafka at ${address} \\(${address} accepted the connection but did not answer as Kafka within 2s\\)`))
    } finally {
      silent.close()
    }
  })

  it("types dispatch's payload by the job class", async () => {
    const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
    const args = [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', 'typed.ts']
    const output = await new Promise<string>((resolve) => {
      execFile(process.execPath, args, {cwd: app.root}, (error, stdout) => resolve(error ? stdout : ''))
    })
    assert.equal(output, '')
  })
})
