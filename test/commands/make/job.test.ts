import {strict as assert} from 'node:assert'
import {execFile, execFileSync, spawn} from 'node:child_process'
import {existsSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {type MakeJobResult} from '../../../src/commands/make/job.js'
import {ExitCode} from '../../../src/lib/errors.js'
import {isJobClass} from '../../../src/lib/jobs/job.js'
import {JobRegistry} from '../../../src/lib/jobs/registry.js'
import {renderJobTemplate} from '../../../src/lib/jobs/scaffold.js'
import {type TestApp, makeTestApp} from '../../support/app.js'
import {kq, runKq} from '../../support/cli.js'
import {REPO_ROOT} from '../../support/paths.js'
import {isUtilLinuxScript, kqOnTerminal} from '../../support/terminal.js'
import {closedPort} from '../../support/ports.js'

const TSC = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc')

const apps: TestApp[] = []

function app(): TestApp {
  const made = makeTestApp()
  apps.push(made)
  return made
}

after(() => {
  for (const each of apps) each.remove()
})

/** Type-checks files of a test app as an application's build would, with kq's published types. */
async function typecheck(root: string, files: string[], extra: string[] = []): Promise<{code: number; output: string}> {
  const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck']
  return new Promise((resolve) => {
    execFile(process.execPath, [TSC, ...args, ...extra, ...files], {cwd: root}, (error, stdout, stderr) => {
      resolve({code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}`})
    })
  })
}

describe('kq make:job', () => {
  it('writes the job to src/jobs and says where, relative to the working folder', async () => {
    const {root, jobsDir} = app()
    const {code, stdout, stderr} = await kq(['make:job', 'ExampleKafkaJob'], {cwd: root})
    assert.equal(stderr, '')
    assert.equal(code, 0)
    assert.equal(stdout, `Created ${path.join('src', 'jobs', 'ExampleKafkaJob.ts')}\n`)
    assert.equal(readFileSync(path.join(jobsDir, 'ExampleKafkaJob.ts'), 'utf8'), renderJobTemplate({name: 'ExampleKafkaJob'}))
  })

  it('writes a job that compiles under strict TypeScript against the published kq types', async () => {
    const {root} = app()
    assert.equal((await kq(['make:job', 'ExampleKafkaJob'], {cwd: root})).code, 0)
    assert.equal((await kq(['make:job', 'SendEmail', '--queue', 'emails', '--tries', '5'], {cwd: root})).code, 0)
    const files = ['src/jobs/ExampleKafkaJob.ts', 'src/jobs/SendEmail.ts']
    assert.deepEqual(await typecheck(root, files), {code: 0, output: ''})
    assert.deepEqual(await typecheck(root, files, ['--noImplicitOverride']), {code: 0, output: ''})
  })

  it('with --schema, writes a job whose hand-written schema compiles against the payload type', async () => {
    const {root, jobsDir} = app()
    assert.equal((await kq(['make:job', 'SendEmail', '--schema'], {cwd: root})).code, 0)
    assert.match(readFileSync(path.join(jobsDir, 'SendEmail.ts'), 'utf8'), /override schema: StandardSchemaV1<unknown, SendEmailPayload> = \{\n {4}'~standard': \{/)
    assert.deepEqual(await typecheck(root, ['src/jobs/SendEmail.ts'], ['--noImplicitOverride']), {code: 0, output: ''})
    // A schema whose output is not the payload type does not compile.
    const file = path.join(jobsDir, 'SendEmail.ts')
    writeFileSync(file, readFileSync(file, 'utf8').replace('return {value: {data}}', 'return {value: {data: 1}}'))
    assert.notEqual((await typecheck(root, ['src/jobs/SendEmail.ts'])).code, 0)
  })

  it('writes a job whose options the compiler checks, so a misspelt one is an error', async () => {
    const {root, jobsDir} = app()
    assert.equal((await kq(['make:job', 'SendEmail'], {cwd: root})).code, 0)
    const file = path.join(jobsDir, 'SendEmail.ts')
    writeFileSync(file, readFileSync(file, 'utf8').replace('override tries', 'override tires'))
    const {code, output} = await typecheck(root, ['src/jobs/SendEmail.ts'])
    assert.notEqual(code, 0)
    assert.match(output, /'override' modifier because it is not declared in the base class/)
  })

  it('writes a job that the registry loads, with the options given', async () => {
    const {jobsDir} = app()
    const {code, result} = await runKq<MakeJobResult>([
      'make:job',
      'ResizeImage',
      '--jobs-dir',
      jobsDir,
      '--tries',
      '7',
      '--timeout',
      '90',
      '--queue',
      'images',
    ])
    assert.equal(code, 0)
    assert.deepEqual(result, {name: 'ResizeImage', file: path.join(jobsDir, 'ResizeImage.ts')})
    const registry = await JobRegistry.scan(jobsDir)
    assert.deepEqual(registry.names(), ['ResizeImage'])
    const ResizeImage = await registry.load('ResizeImage')
    assert.ok(isJobClass(ResizeImage))
    const job = new ResizeImage()
    assert.deepEqual([job.queue, job.tries, job.backoff, job.timeout], ['images', 7, [1, 5, 10], 90])
    const lines: string[] = []
    const ctx = {
      id: '1',
      job: 'ResizeImage',
      queue: 'images',
      attempt: 1,
      maxTries: 7,
      signal: new AbortController().signal,
      stopping: new AbortController().signal,
      log: (line: string) => lines.push(line),
    }
    await job.handle({data: 'cat.png'}, ctx)
    assert.deepEqual(lines, ['processed cat.png'])
  })

  it('needs no broker: kafkajs is never loaded', async () => {
    const {root} = app()
    const reporter = path.join(REPO_ROOT, 'dist', 'test', 'support', 'report-loaded-modules.js')
    const {code, stderr} = await kq(['make:job', 'SendEmail'], {
      cwd: root,
      nodeArgs: ['--import', reporter],
      env: {KAFKA_BROKERS: `127.0.0.1:${await closedPort()}`},
    })
    assert.equal(code, 0, stderr)
    assert.match(stderr, /^loaded kafkajs: 0$/m)
  })

  it('prints the name and the file as JSON with --json', async () => {
    const {root, jobsDir} = app()
    const {code, stdout} = await kq(['make:job', 'SendEmail', '--json'], {cwd: root})
    assert.equal(code, 0)
    assert.deepEqual(JSON.parse(stdout), {name: 'SendEmail', file: path.join(jobsDir, 'SendEmail.ts')})
  })

  it('answers a bad name with one line, the corrected name when there is one, exit 2, and writes nothing', async () => {
    const {root, jobsDir} = app()
    const cases = {
      'my-job': 'job name "my-job" must be a PascalCase class name: try MyJob',
      my_job: 'job name "my_job" must be a PascalCase class name: try MyJob',
      'send email': 'job name "send email" must be a PascalCase class name: try SendEmail',
      sendEmail: 'job name "sendEmail" must be a PascalCase class name: try SendEmail',
      '../Evil': 'job name "../Evil" must be a class name, not a path: choose the folder with --jobs-dir or KQ_JOBS_DIR',
      '1Job': 'job name "1Job" must be a PascalCase class name: a capital letter first, then letters and digits only',
      Job: 'job name "Job" would hide kq\'s Job, which the job\'s file imports: choose a more specific name',
      ' ': 'job name cannot be empty: give a PascalCase class name such as SendWelcomeEmail',
      class: 'job name "class" is a reserved word in JavaScript: try Class',
      [`A${'b'.repeat(200)}`]: `job name "A${'b'.repeat(59)}…" is 201 characters long: at most 200`,
    }
    // The real binary, as a shell passes a quoted argument: runKq would split "send email" in two.
    const results = await Promise.all(Object.keys(cases).map((name) => kq(['make:job', name], {cwd: root})))
    for (const [index, [name, message]] of Object.entries(cases).entries()) {
      const {code, stdout, stderr} = results[index]
      assert.equal(code, ExitCode.Usage, name)
      assert.equal(stdout, '', name)
      assert.equal(stderr, `Error: ${message}\n`, name)
    }

    assert.equal(existsSync(jobsDir), false)
    assert.deepEqual(readdirSync(root).sort(), ['node_modules', 'package.json'])
  })

  it('refuses a --queue that is not a topic name, and bad --tries or --timeout, writing nothing', async () => {
    const {jobsDir} = app()
    const queue = await kq(['make:job', 'SendEmail', '--jobs-dir', jobsDir, '--queue', 'no spaces'])
    assert.equal(queue.code, ExitCode.Usage)
    assert.match(queue.stderr, /^Error: --queue must be a Kafka topic name .*, got "no spaces"\n$/)
    for (const flag of ['--tries', '--timeout']) {
      const {code, stderr} = await runKq(['make:job', 'SendEmail', '--jobs-dir', jobsDir, flag, '0'])
      assert.equal(code, ExitCode.Usage, flag)
      assert.equal(stderr.trim().split('\n').length, 1, stderr)
    }

    assert.equal(existsSync(jobsDir), false)
  })

  it('refuses a jobs folder that is a file, or under one, with one line and exit 4, and writes nothing', async () => {
    const {root} = app()
    writeFileSync(path.join(root, 'jobs'), 'not a folder')
    for (const folder of ['jobs', path.join('jobs', 'more')]) {
      const {code, stdout, stderr} = await kq(['make:job', 'SendEmail', '--jobs-dir', folder], {cwd: root})
      assert.equal(code, ExitCode.Config, stdout)
      assert.equal(stderr, `Error: the jobs folder ${folder} is not a folder: set KQ_JOBS_DIR or --jobs-dir to the folder of your job classes\n`)
    }

    assert.equal(readFileSync(path.join(root, 'jobs'), 'utf8'), 'not a folder')
  })

  it('leaves an existing job untouched without --force, and overwrites it with --force', async () => {
    const {root, jobsDir} = app()
    const file = path.join(jobsDir, 'SendEmail.ts')
    assert.equal((await kq(['make:job', 'SendEmail'], {cwd: root})).code, 0)
    writeFileSync(file, '// my work\n')
    const refused = await kq(['make:job', 'SendEmail'], {cwd: root})
    assert.equal(refused.code, ExitCode.Usage)
    assert.equal(refused.stderr, `Error: ${path.join('src', 'jobs', 'SendEmail.ts')} already exists: pass --force to overwrite it\n`)
    assert.equal(readFileSync(file, 'utf8'), '// my work\n')
    const forced = await kq(['make:job', 'SendEmail', '--force', '--tries', '2'], {cwd: root})
    assert.equal(forced.code, 0)
    assert.equal(readFileSync(file, 'utf8'), renderJobTemplate({name: 'SendEmail', tries: 2}))
  })

  it('writes to the folder of --jobs-dir, KQ_JOBS_DIR or the .env file, the flag first', async () => {
    const {root} = app()
    assert.equal((await kq(['make:job', 'FromFlag', '--jobs-dir', 'app/jobs'], {cwd: root, env: {KQ_JOBS_DIR: 'ignored'}})).code, 0)
    assert.equal((await kq(['make:job', 'FromEnv'], {cwd: root, env: {KQ_JOBS_DIR: 'lib/queue'}})).code, 0)
    writeFileSync(path.join(root, '.env'), 'KQ_JOBS_DIR=jobs\n')
    const fromFile = await kq(['make:job', 'FromFile'], {cwd: root})
    assert.equal(fromFile.stdout, `Created ${path.join('jobs', 'FromFile.ts')}\n`)
    assert.ok(existsSync(path.join(root, 'app', 'jobs', 'FromFlag.ts')))
    assert.ok(existsSync(path.join(root, 'lib', 'queue', 'FromEnv.ts')))
    assert.ok(existsSync(path.join(root, 'jobs', 'FromFile.ts')))
    assert.equal(existsSync(path.join(root, 'ignored')), false)
  })

  it('without a name and without a terminal, says how to call it instead of waiting for input', async () => {
    const {root} = app()
    const {code, stdout, stderr} = await kq(['make:job'], {cwd: root})
    assert.equal(code, ExitCode.Usage)
    assert.equal(stdout, '')
    assert.equal(stderr, 'Error: missing job name: kq make:job <Name>\n')
  })

  describe('on a terminal', function () {
    before(function () {
      // The check that a person can answer needs a real pseudo-terminal: util-linux `script`
      // gives one (Debian and Ubuntu have it in bsdutils, installed everywhere).
      if (!isUtilLinuxScript()) {
        process.stderr.write('      (no util-linux `script`: the interactive tests cannot get a pseudo-terminal)\n')
        this.skip()
      }
    })

    it('asks for the name, explains a bad one with its correction, and writes the good one', async () => {
      const {root, jobsDir} = app()
      const terminal = kqOnTerminal(['make:job'], root)
      await terminal.expect(/Name of the job class/)
      terminal.type('my-job\r')
      await terminal.expect(/job name "my-job" must be a PascalCase class name: try MyJob/)
      terminal.type(`${'\u007F'.repeat('my-job'.length)}MyJob\r`)
      assert.equal(await terminal.exited, 0, terminal.screen())
      assert.match(terminal.screen(), /Created src\/jobs\/MyJob\.ts/)
      assert.equal(readFileSync(path.join(jobsDir, 'MyJob.ts'), 'utf8'), renderJobTemplate({name: 'MyJob'}))
    })

    it('writes nothing when the question is cancelled with Ctrl-C', async () => {
      const {root, jobsDir} = app()
      const terminal = kqOnTerminal(['make:job'], root)
      await terminal.expect(/Name of the job class/)
      terminal.type('Half')
      await terminal.expect(/Half/)
      terminal.type('\u0003')
      assert.equal(await terminal.exited, ExitCode.Usage, terminal.screen())
      assert.match(terminal.screen(), /Error: cancelled at the prompt: nothing was changed/)
      assert.equal(existsSync(jobsDir), false)
    })

    it('does not ask with --json: a script gets the usage error', async () => {
      const {root} = app()
      const terminal = kqOnTerminal(['make:job', '--json'], root)
      assert.equal(await terminal.exited, ExitCode.Usage, terminal.screen())
      assert.match(terminal.screen(), /"message": "missing job name: kq make:job <Name>"/)
    })
  })
})
