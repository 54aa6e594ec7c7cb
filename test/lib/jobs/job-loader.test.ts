import {strict as assert} from 'node:assert'
import {execFileSync} from 'node:child_process'
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

import {ExitCode} from '../../../src/lib/errors.js'
import {compiledFile} from '../../../src/lib/jobs/compiled-jobs.js'
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

describe('a TypeScript job compiled once (the compiled-job cache)', () => {
  const registryModule = new URL('../../../src/lib/jobs/registry.js', import.meta.url).href

  /**
   * Loads the job in a new Node process, as each `kq dispatch` does, and runs its handle(): what
   * it returned, and which of jiti's files the process loaded (jiti itself, and Babel, its compiler).
   */
  function loadInNewProcess(jobsDir: string, name: string): {returned: unknown; loaded: string[]} {
    const script =
      "import {createRequire} from 'node:module'\n" +
      `const {JobRegistry} = await import(${JSON.stringify(registryModule)})\n` +
      `const Job = await (await JobRegistry.scan(${JSON.stringify(jobsDir)})).load(${JSON.stringify(name)})\n` +
      'const returned = await new Job().handle("x")\n' +
      "const loaded = Object.keys(createRequire(import.meta.url).cache).filter((file) => file.includes('/jiti/dist/')).map((file) => file.split('/').at(-1)).sort()\n" +
      'console.log(JSON.stringify({returned, loaded}))\n'
    return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8'}))
  }

  const compiledFor = (file: string) => compiledFile(file, readFileSync(file, 'utf8'))

  it('loads it the next time without jiti, and an edited job as edited', async () => {
    const made = app({Greet: jobSource('Greet', {body: "  async handle(): Promise<string> {\n    return 'hello'\n  }"})})
    const file = path.join(made.jobsDir, 'Greet.ts')
    const first = await (await JobRegistry.scan(made.jobsDir)).load('Greet')
    assert.ok(existsSync(compiledFor(file)!), 'compiled after its first load')
    // jiti keeps each module it loaded: the same class again had it loaded the job a second time.
    const second = await (await JobRegistry.scan(made.jobsDir)).load('Greet')
    assert.notEqual(second, first)
    assert.equal(await new second().handle(undefined, undefined as never), 'hello')

    assert.deepEqual(loadInNewProcess(made.jobsDir, 'Greet'), {returned: 'hello', loaded: []})

    writeFileSync(file, jobSource('Greet', {body: "  async handle(): Promise<string> {\n    return 'hello again'\n  }"}))
    assert.equal(existsSync(compiledFor(file)!), false)
    assert.equal(loadInNewProcess(made.jobsDir, 'Greet').returned, 'hello again')
    assert.deepEqual(loadInNewProcess(made.jobsDir, 'Greet'), {returned: 'hello again', loaded: []})
  })

  it("names the job's own file and line in a compiled job's stack traces, as jiti does", async () => {
    const {jobsDir} = app({Boom: jobSource('Boom', {body: "  async handle(): Promise<string> {\n    return new Error('boom').stack!.split('\\n')[1]\n  }"})})
    const file = path.join(jobsDir, 'Boom.ts')
    const Loaded = await (await JobRegistry.scan(jobsDir)).load('Boom')
    const throughJiti = await new Loaded().handle(undefined, undefined as never)
    assert.match(String(throughJiti), new RegExp(` \\(${file}:5:\\d+\\)$`))
    assert.deepEqual(loadInNewProcess(jobsDir, 'Boom'), {returned: throughJiti, loaded: []})
  })

  it("compiles a job that imports Node's built-in modules beside kq, types included", async () => {
    const {jobsDir} = app({
      Hash: [
        "import {createHash} from 'node:crypto'",
        "import path from 'path'",
        "import {Job, type JobContext} from 'kq'",
        '',
        'export default class Hash extends Job<string> {',
        '  async handle(payload: string, _ctx?: JobContext): Promise<string> {',
        "    return path.basename('/a/b') + createHash('sha256').update(payload).digest('hex').slice(0, 8)",
        '  }',
        '}',
        '',
      ].join('\n'),
    })
    await (await JobRegistry.scan(jobsDir)).load('Hash')
    assert.ok(existsSync(compiledFor(path.join(jobsDir, 'Hash.ts'))!), 'compiled')
    assert.deepEqual(loadInNewProcess(jobsDir, 'Hash'), {returned: 'b2d711642', loaded: []})
  })

  it('keeps loading through jiti, compiling it no more, a job that needs its module rules: a sibling .ts file, require, __dirname', async () => {
    const body = (value: string) => `  async handle(): Promise<string> {\n    return ${value}\n  }`
    const {jobsDir} = app({
      'format.ts': "export const shout = (text: string): string => text.toUpperCase() + '!'\n",
      Sibling: `import {shout} from './format'\n${jobSource('Sibling', {body: body("shout('hi')")})}`,
      Dirname: jobSource('Dirname', {body: body("require('node:path').basename(__dirname)")}),
    })
    for (const [name, expected] of [['Sibling', 'HI!'], ['Dirname', 'jobs']]) {
      const Loaded = await (await JobRegistry.scan(jobsDir)).load(name)
      assert.equal(await new Loaded().handle(undefined, undefined as never), expected)
      assert.equal(existsSync(compiledFor(path.join(jobsDir, `${name}.ts`))!), false, `${name} compiled`)
      // Its next loads take jiti's compiled file from jiti's cache: none compiles it again.
      assert.deepEqual(loadInNewProcess(jobsDir, name), {returned: expected, loaded: ['jiti.cjs']})
    }
  })

  it("gives a compiled job its own file's import.meta.url, as jiti does", async () => {
    const {jobsDir} = app({Meta: jobSource('Meta', {body: '  async handle(): Promise<string> {\n    return import.meta.url\n  }'})})
    const file = path.join(jobsDir, 'Meta.ts')
    const Loaded = await (await JobRegistry.scan(jobsDir)).load('Meta')
    assert.equal(await new Loaded().handle(undefined, undefined as never), pathToFileURL(file).href)
    assert.ok(existsSync(compiledFor(file)!), 'compiled')
    assert.deepEqual(loadInNewProcess(jobsDir, 'Meta'), {returned: pathToFileURL(file).href, loaded: []})
  })

  it('runs a job whose file throws once, and does not compile it', async () => {
    const {root, jobsDir} = app({
      Throws: "import {Job} from 'kq'\n\n(globalThis as any).kqThrowsRan = ((globalThis as any).kqThrowsRan ?? 0) + 1\nthrow new Error('no SMTP_HOST')\n\nexport default class Throws extends Job {}\n",
    })
    const error = await inside(root, async () => loadError(await JobRegistry.scan(jobsDir), 'Throws'))
    assert.equal(error.message, 'cannot load job Throws from src/jobs/Throws.ts: no SMTP_HOST')
    assert.equal((globalThis as {kqThrowsRan?: number}).kqThrowsRan, 1)
    assert.equal(existsSync(compiledFor(path.join(jobsDir, 'Throws.ts'))!), false)
  })
})
