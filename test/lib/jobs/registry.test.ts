import {strict as assert} from 'node:assert'
import {existsSync, mkdirSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {ConfigError, ExitCode} from '../../../src/lib/errors.js'
import {isJobClass, jobNameOf} from '../../../src/lib/jobs/job.js'
import {JobLoadError, JobRegistry, UnknownJobError} from '../../../src/lib/jobs/registry.js'
import {type TestApp, jobSource, makeTestApp} from '../../support/app.js'

const apps: TestApp[] = []

function app(jobs: Record<string, string> = {}): TestApp {
  const made = makeTestApp({jobs})
  apps.push(made)
  return made
}

/** Runs `work` with the working folder set to `dir`, as a user inside their application. */
async function inside<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const cwd = process.cwd()
  process.chdir(dir)
  try {
    return await work()
  } finally {
    process.chdir(cwd)
  }
}

async function loadError(registry: JobRegistry, name: string): Promise<JobLoadError> {
  const error = await registry.load(name).then(
    () => assert.fail(`${name} loaded`),
    (error: unknown) => error,
  )
  assert.ok(error instanceof JobLoadError, `not a JobLoadError: ${String(error)}`)
  return error
}

async function unknownJob(registry: JobRegistry, name: string): Promise<UnknownJobError> {
  const error = await registry.load(name).then(
    () => assert.fail(`${name} loaded`),
    (error: unknown) => error,
  )
  assert.ok(error instanceof UnknownJobError, `not an UnknownJobError: ${String(error)}`)
  return error
}

after(() => {
  for (const each of apps) each.remove()
})

describe('JobRegistry.scan', () => {
  it('finds <Name>.ts, .mts, .cts, .js, .mjs and .cjs files directly in the folder, sorted, and nothing else', async () => {
    const {jobsDir} = app({
      'SendEmail.ts': '',
      'ResizeImage.mts': '',
      'Ping.js': '',
      'Audit.mjs': '',
      'Types.d.ts': '',
      'SendEmail.test.ts': '',
      'Ping.spec.js': '',
      'lowercase.ts': '',
      'Snake_Case.ts': '',
      'With-Dash.ts': '',
      'Legacy.cjs': '',
      'Compat.cts': '',
      'View.tsx': '',
      'Script.jsx': '',
      'Notes.md': '',
      'README.txt': '',
    })
    mkdirSync(path.join(jobsDir, 'Nested'))
    writeFileSync(path.join(jobsDir, 'Nested', 'Deep.ts'), '')
    mkdirSync(path.join(jobsDir, 'Folder.ts'))
    const registry = await JobRegistry.scan(jobsDir)
    assert.deepEqual(registry.names(), ['Audit', 'Compat', 'Legacy', 'Ping', 'ResizeImage', 'SendEmail'])
    assert.equal(registry.fileOf('ResizeImage'), path.join(jobsDir, 'ResizeImage.mts'))
    assert.equal(registry.dir, jobsDir)
  })

  it('reads a folder that does not exist yet as one with no jobs', async () => {
    const registry = await JobRegistry.scan(path.join(app().root, 'no', 'such', 'folder'))
    assert.deepEqual(registry.names(), [])
    assert.equal(registry.has('SendEmail'), false)
  })

  it('refuses a jobs folder that is a file, as a configuration error', async () => {
    const {root} = app()
    writeFileSync(path.join(root, 'jobs'), '')
    await assert.rejects(JobRegistry.scan(path.join(root, 'jobs')), (error: Error) => {
      assert.ok(error instanceof ConfigError)
      assert.match(error.message, /is not a folder: set KQ_JOBS_DIR or --jobs-dir to the folder of your job classes$/)
      return true
    })
  })

  it('resolves a relative folder against the working folder', async () => {
    const {root, jobsDir} = app({SendEmail: ''})
    const registry = await inside(root, () => JobRegistry.scan('src/jobs'))
    assert.equal(registry.dir, jobsDir)
    assert.equal(registry.fileOf('SendEmail'), path.join(jobsDir, 'SendEmail.ts'))
  })

  it('prefers the TypeScript file when one name has several: .ts, then .mts, .js, .mjs', async () => {
    const {jobsDir} = app({
      'Both.ts': jobSource('Both', {body: '  override tries = 1\n  async handle(): Promise<void> {}'}),
      'Both.js': jobSource('Both', {body: '  tries = 2\n  async handle() {}', language: 'js'}),
      'Modules.mts': '',
      'Modules.mjs': '',
      'Scripts.js': '',
      'Scripts.mjs': '',
    })
    const registry = await JobRegistry.scan(jobsDir)
    assert.deepEqual(registry.names(), ['Both', 'Modules', 'Scripts'])
    assert.equal(registry.fileOf('Both'), path.join(jobsDir, 'Both.ts'))
    assert.equal(registry.fileOf('Modules'), path.join(jobsDir, 'Modules.mts'))
    assert.equal(registry.fileOf('Scripts'), path.join(jobsDir, 'Scripts.js'))
    const Both = await registry.load('Both')
    assert.equal(new Both().tries, 1)
  })
})

describe('JobRegistry.load', () => {
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

describe('JobRegistry and names from messages', () => {
  it('never loads a path outside the folder, whatever the name', async () => {
    const made = app({SendEmail: jobSource('SendEmail')})
    // A job file beside the jobs folder that leaves a mark if it is ever evaluated.
    const mark = path.join(made.root, 'evaluated')
    const evil = `import {writeFileSync} from 'node:fs'\nwriteFileSync(${JSON.stringify(mark)}, 'yes')\n${jobSource('Evil')}`
    writeFileSync(path.join(made.root, 'src', 'Evil.ts'), evil)
    writeFileSync(path.join(made.root, 'src', 'Bar.ts'), evil)
    const registry = await JobRegistry.scan(made.jobsDir)
    const names = [
      '../Evil',
      '../Evil.ts',
      path.join(made.root, 'src', 'Evil.ts'),
      '/etc/passwd',
      'Foo/../../Bar',
      'SendEmail/../../Evil',
      './SendEmail',
      'SendEmail.ts',
      'sendemail',
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      '',
    ]
    for (const name of names) {
      assert.equal(registry.has(name), false, name)
      assert.equal(registry.fileOf(name), undefined, name)
      const error = await unknownJob(registry, name)
      assert.equal(error.exitCode, ExitCode.Usage)
    }

    assert.equal(existsSync(mark), false, 'a file outside the jobs folder was evaluated')
    assert.deepEqual(registry.names(), ['SendEmail'])
  })

  it('never runs a file of the folder that declares no job class, though a message names it', async () => {
    const made = app({SendEmail: jobSource('SendEmail')})
    const mark = path.join(made.root, 'evaluated')
    const leaveMark = `import {writeFileSync} from 'node:fs'\nwriteFileSync(${JSON.stringify(mark)}, 'yes')\n`
    made.writeJob('Helpers', `${leaveMark}export const greeting = 'hello'\n`)
    made.writeJob('Seed.js', `${leaveMark}export default function seed() {}\n`)
    made.writeJob('Settings', `${leaveMark}export default class Settings {\n  static host = 'smtp'\n}\n`)
    const registry = await JobRegistry.scan(made.jobsDir)
    for (const name of ['Helpers', 'Seed', 'Settings']) {
      const error = await inside(made.root, () => loadError(registry, name))
      assert.match(error.message, new RegExp(`^src/jobs/${name}\\.[jt]s does not export a job class: export default class ${name} extends Job$`))
    }

    assert.equal(existsSync(mark), false, 'a file that is not a job was evaluated')
    assert.equal(jobNameOf(await registry.load('SendEmail')), 'SendEmail')
  })

  it('suggests the nearest job and lists the known ones, with the folder relative to the working folder', async () => {
    const {root, jobsDir} = app({SendEmail: '', ExampleKafkaJob: ''})
    const registry = await JobRegistry.scan(jobsDir)
    const error = await inside(root, () => unknownJob(registry, 'SendEmial'))
    assert.equal(error.message, 'unknown job "SendEmial": did you mean SendEmail? Known jobs in src/jobs: ExampleKafkaJob, SendEmail')
    assert.equal(error.suggestion, 'SendEmail')
    assert.deepEqual(error.details, {job: 'SendEmial', jobsDir, known: ['ExampleKafkaJob', 'SendEmail'], suggestion: 'SendEmail'})
  })

  it('lists the known jobs without a guess when none is close, with the absolute folder outside the working folder', async () => {
    const {jobsDir} = app({SendEmail: '', ExampleKafkaJob: ''})
    const registry = await JobRegistry.scan(jobsDir)
    const error = await unknownJob(registry, 'Frobnicate')
    assert.equal(error.message, `unknown job "Frobnicate": known jobs in ${jobsDir}: ExampleKafkaJob, SendEmail`)
    assert.equal(error.suggestion, undefined)
  })

  it('says how to create the first job when the folder has none', async () => {
    const {root, jobsDir} = app()
    const registry = await JobRegistry.scan(jobsDir)
    assert.equal(
      (await inside(root, () => unknownJob(registry, 'X'))).message,
      'unknown job "X": there are no jobs in src/jobs yet; create one with `kq make:job X`',
    )
    assert.equal(
      (await inside(root, () => unknownJob(registry, '../Evil'))).message,
      'unknown job "../Evil": there are no jobs in src/jobs yet; create one with `kq make:job <Name>`',
    )
  })

  it('lists ten known jobs at most, and counts the rest', async () => {
    const jobs = Object.fromEntries(Array.from({length: 13}, (_, index) => [`Job${String(index).padStart(2, '0')}`, '']))
    const registry = await JobRegistry.scan(app(jobs).jobsDir)
    const error = await unknownJob(registry, 'Frobnicate')
    assert.match(error.message, /: Job00, Job01, Job02, Job03, Job04, Job05, Job06, Job07, Job08, Job09 and 3 more$/)
  })

  it('keeps the message on one line and free of control characters, whatever the name', async () => {
    const registry = await JobRegistry.scan(app({SendEmail: ''}).jobsDir)
    for (const name of ['Send\nEmail', '\u001B[31mred', 'a\u009Bb', 'x\u202Ey', 'A'.repeat(100_000)]) {
      const {message} = await unknownJob(registry, name)
      assert.doesNotMatch(message, /[\u0000-\u001F\u007F-\u009F\u202E]/, JSON.stringify(message.slice(0, 40)))
      assert.ok(message.length < 300, `${message.length} characters`)
    }
  })
})
