import {strict as assert} from 'node:assert'
import {rmSync} from 'node:fs'
import path from 'node:path'

import {ExitCode} from '../../../src/lib/errors.js'
import {isJobClass, jobNameOf} from '../../../src/lib/jobs/job.js'
import {JobRegistry} from '../../../src/lib/jobs/registry.js'
import {jobSource} from '../../support/app.js'
import {app, inside, loadError} from './registry-apps.js'

describe('loading a job file (JobRegistry.load)', () => {
  it('loads a TypeScript job that imports Job from kq, with no build step', async () => {
    const {jobsDir} = app({
      SendEmail: [
        "import {Job, type JobContext} from 'kq'",
        '',
        'interface Payload {',
        '  to: string',
        '}',
        '',
        'export default class SendEmail extends Job<Payload> {',
        '  override tries = 5',
        '  async handle(payload: Payload, ctx: JobContext): Promise<string> {',
        '    return `sent to ${payload.to} on attempt ${ctx.attempt}`',
        '  }',
        '}',
        '',
      ].join('\n'),
    })
    const registry = await JobRegistry.scan(jobsDir)
    const SendEmail = await registry.load('SendEmail')
    assert.ok(isJobClass(SendEmail))
    assert.equal(jobNameOf(SendEmail), 'SendEmail')
    const job = new SendEmail()
    assert.equal(job.tries, 5)
    const ctx = {id: '1', job: 'SendEmail', queue: 'default', attempt: 2, maxTries: 5, signal: new AbortController().signal, stopping: new AbortController().signal, log() {}}
    assert.equal(await job.handle({to: 'ada@example.com'}, ctx), 'sent to ada@example.com on attempt 2')
  })

  it('loads a JavaScript job, as a default or as a named export with the file name', async () => {
    const {jobsDir} = app({
      'Ping.js': jobSource('Ping', {language: 'js'}),
      'Pong.mjs': "import {Job} from 'kq'\n\nexport class Pong extends Job {\n  async handle() {\n    return 'pong'\n  }\n}\n",
    })
    const registry = await JobRegistry.scan(jobsDir)
    const Ping = await registry.load('Ping')
    assert.equal(await new Ping().handle('x', undefined as never), 'x')
    const Pong = await registry.load('Pong')
    assert.equal(jobNameOf(Pong), 'Pong')
    assert.equal(await new Pong().handle(undefined, undefined as never), 'pong')
  })

  it('loads each job once and gives the same class after', async () => {
    const {jobsDir} = app({SendEmail: jobSource('SendEmail')})
    const registry = await JobRegistry.scan(jobsDir)
    const [first, second] = await Promise.all([registry.load('SendEmail'), registry.load('SendEmail')])
    assert.equal(first, second)
    assert.equal(await registry.load('SendEmail'), first)
  })

  it("accepts a class whose static jobName is the file's name", async () => {
    const {jobsDir} = app({
      SendEmail: jobSource('Minified', {body: "  static override jobName = 'SendEmail'\n  async handle(): Promise<void> {}"}),
    })
    const registry = await JobRegistry.scan(jobsDir)
    assert.equal(jobNameOf(await registry.load('SendEmail')), 'SendEmail')
  })

  it('refuses a file that exports no job class, saying what to export', async () => {
    const {root, jobsDir} = app({
      Plain: 'export default class Plain {\n  async handle() {}\n}\n',
      Empty: 'export const nothing = 1\n',
      Named: "import {Job} from 'kq'\n\nexport class SomethingElse extends Job {\n  async handle() {}\n}\n",
    })
    const registry = await JobRegistry.scan(jobsDir)
    for (const name of ['Plain', 'Empty', 'Named']) {
      const error = await inside(root, () => loadError(registry, name))
      assert.equal(error.message, `src/jobs/${name}.ts does not export a job class: export default class ${name} extends Job`)
      assert.equal(error.exitCode, ExitCode.Failure)
      assert.equal(error.file, path.join(jobsDir, `${name}.ts`))
    }
  })

  it('refuses a job whose class name is not its file name, explaining the rule', async () => {
    const {root, jobsDir} = app({SendEmail: jobSource('SendMail')})
    const registry = await JobRegistry.scan(jobsDir)
    const error = await inside(root, () => loadError(registry, 'SendEmail'))
    assert.equal(
      error.message,
      'src/jobs/SendEmail.ts exports job "SendMail", but a job is found by its file\'s name: ' +
        'name the class SendEmail, or rename the file to SendMail.ts',
    )
  })

  it('reports a file that throws while loading with the file and the first line of the error', async () => {
    const {root, jobsDir} = app({
      Broken: "import {Job} from 'kq'\n\nthrow new Error('no SMTP_HOST\\nsecond line')\n\nexport default class Broken extends Job {}\n",
    })
    const registry = await JobRegistry.scan(jobsDir)
    const error = await inside(root, () => loadError(registry, 'Broken'))
    assert.equal(error.message, 'cannot load job Broken from src/jobs/Broken.ts: no SMTP_HOST')
    assert.equal(error.exitCode, ExitCode.Failure)
    assert.match(String((error.cause as Error).message), /second line/)
  })

  it('reports a file that does not compile with the file and the line', async () => {
    const {root, jobsDir} = app({Typo: "import {Job} from 'kq'\n\nexport default class Typo extends {\n"})
    const registry = await JobRegistry.scan(jobsDir)
    const error = await inside(root, () => loadError(registry, 'Typo'))
    assert.match(error.message, /^cannot load job Typo from src\/jobs\/Typo\.ts: .+ \(line \d+\)$/)
  })

  it('loads jobs compiled to CommonJS, as tsc writes them: default or named export', async () => {
    const compiled = (name: string, exported: string) =>
      `"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nconst kq_1 = require("kq");\n` +
      `class ${name} extends kq_1.Job {\n    async handle(payload) {\n        return ['${name}', payload];\n    }\n}\n${exported} = ${name};\n`
    const {jobsDir} = app({'Legacy.cjs': compiled('Legacy', 'exports.default'), 'Named.cjs': compiled('Named', 'exports.Named')})
    const registry = await JobRegistry.scan(jobsDir)
    assert.deepEqual(registry.names(), ['Legacy', 'Named'])
    assert.deepEqual(await new (await registry.load('Legacy'))().handle(1, undefined as never), ['Legacy', 1])
    assert.deepEqual(await new (await registry.load('Named'))().handle(2, undefined as never), ['Named', 2])
  })

  it('says the application must install kq when a job file cannot find it', async () => {
    const made = app({Hello: jobSource('Hello')})
    rmSync(path.join(made.root, 'node_modules', 'kq'))
    const registry = await JobRegistry.scan(made.jobsDir)
    const error = await inside(made.root, () => loadError(registry, 'Hello'))
    assert.match(error.message, /^cannot load job Hello from src\/jobs\/Hello\.ts: Cannot find (module|package) 'kq'.*: the application must have kq installed: in its folder, run `npm install <kq's folder, or the \.tgz that npm pack makes there>`$/)
  })

  it('reports an import that cannot be found', async () => {
    const {root, jobsDir} = app({Needs: "import {Job} from 'not-installed-anywhere'\n\nexport default class Needs extends Job {}\n"})
    const registry = await JobRegistry.scan(jobsDir)
    const error = await inside(root, () => loadError(registry, 'Needs'))
    assert.equal(error.message, "cannot load job Needs from src/jobs/Needs.ts: Cannot find module 'not-installed-anywhere'")
  })
})
