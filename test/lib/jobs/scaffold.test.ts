import {strict as assert} from 'node:assert'
import {mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {UsageError} from '../../../src/lib/errors.js'
import {
  type JobNameCheck,
  checkJobName,
  describeJobNameProblem,
  renderJobTemplate,
  writeJobFile,
} from '../../../src/lib/jobs/scaffold.js'

function refused(name: string): Exclude<JobNameCheck, {ok: true}> {
  const check = checkJobName(name)
  assert.equal(check.ok, false, `${JSON.stringify(name)} was accepted`)
  return check as Exclude<JobNameCheck, {ok: true}>
}

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'kq-scaffold-'))
}

describe('checkJobName', () => {
  it('accepts PascalCase class names', () => {
    for (const name of ['SendEmail', 'ExampleKafkaJob', 'A', 'Resize2x', 'HTTPPing', 'Jobs', 'SendEmailJob']) {
      assert.deepEqual(checkJobName(name), {ok: true}, name)
    }
  })

  it('turns kebab, snake, spaced and camel case into the PascalCase name to try', () => {
    const cases = {
      'my-job': 'MyJob',
      my_job: 'MyJob',
      'send email': 'SendEmail',
      sendEmail: 'SendEmail',
      'send-HTTP-ping': 'SendHTTPPing',
      SEND_EMAIL: 'SendEmail',
      ' SendEmail ': 'SendEmail',
    }
    for (const [name, suggestion] of Object.entries(cases)) {
      const check = refused(name)
      assert.equal(check.suggestion, suggestion, name)
      assert.equal(describeJobNameProblem(check), `job name ${JSON.stringify(name)} must be a PascalCase class name: try ${suggestion}`)
    }
  })

  it('refuses a path, without suggesting a name, and points at --jobs-dir', () => {
    for (const name of ['../Evil', '/etc/passwd', 'jobs/SendEmail', 'Foo/../../Bar', '..\\Evil', '..', '.']) {
      const check = refused(name)
      assert.equal(check.suggestion, undefined, name)
      assert.match(check.problem, /must be a class name, not a path: choose the folder with --jobs-dir or KQ_JOBS_DIR$/, name)
    }
  })

  it('refuses a name that starts with a digit, and suggests nothing', () => {
    const check = refused('1Job')
    assert.equal(check.suggestion, undefined)
    assert.equal(
      describeJobNameProblem(check),
      'job name "1Job" must be a PascalCase class name: a capital letter first, then letters and digits only',
    )
  })

  it('refuses Job and JobContext, which the job file imports from kq', () => {
    assert.equal(
      refused('Job').problem,
      'job name "Job" would hide kq\'s Job, which the job\'s file imports: choose a more specific name',
    )
    assert.match(refused('JobContext').problem, /would hide kq's JobContext/)
  })

  it("refuses JavaScript's built-in classes, which the class would hide in its file", () => {
    for (const name of ['Promise', 'String', 'Error', 'Map', 'Object']) {
      assert.match(refused(name).problem, new RegExp(`would hide JavaScript's own ${name} in the job's file`), name)
    }
  })

  it('refuses an empty or blank name', () => {
    for (const name of ['', ' ', '\t\n']) {
      const check = refused(name)
      assert.equal(check.problem, 'job name cannot be empty: give a PascalCase class name such as SendWelcomeEmail')
      assert.equal(check.suggestion, undefined)
    }
  })

  it('accepts 200 characters and refuses 201, as every message is held to', () => {
    assert.deepEqual(checkJobName(`A${'b'.repeat(199)}`), {ok: true})
    const check = refused(`A${'b'.repeat(200)}`)
    assert.match(check.problem, /is 201 characters long: at most 200$/)
    assert.ok(check.problem.length < 150, 'the name is cut short in the message')
  })

  it('refuses JavaScript reserved words, suggesting the capitalised word', () => {
    for (const name of ['class', 'new', 'default', 'delete', 'await', 'yield', 'enum', 'eval']) {
      const check = refused(name)
      assert.equal(check.problem, `job name "${name}" is a reserved word in JavaScript`, name)
      assert.equal(check.suggestion, name[0].toUpperCase() + name.slice(1))
    }
  })

  it('refuses a file name, suggesting it without the extension', () => {
    assert.deepEqual(refused('SendEmail.ts'), {
      ok: false,
      problem: 'job name "SendEmail.ts" must be a class name, without a file extension',
      suggestion: 'SendEmail',
    })
    assert.equal(refused('send-email.mjs').suggestion, undefined, 'only a valid name is offered')
  })

  it('suggests nothing when fixing the name would mean dropping characters', () => {
    for (const name of ['Café', 'Send$Email', 'Émile', 'job']) {
      assert.equal(refused(name).suggestion, undefined, name)
    }
  })

  it('never suggests a name it would itself refuse', () => {
    for (const name of ['job', 'job-context', 'promise', '1-job', 'my-1job']) {
      const {suggestion} = refused(name)
      if (suggestion !== undefined) assert.deepEqual(checkJobName(suggestion), {ok: true}, `${name} → ${suggestion}`)
    }
  })
})

describe('renderJobTemplate', () => {
  it("writes the job of Laravel's guide by default: tries 3, backoff [1, 5, 10], timeout 60, no queue", () => {
    const source = renderJobTemplate({name: 'ExampleKafkaJob'})
    assert.equal(
      source,
      [
        "import {Job, type JobContext} from 'kq'",
        '',
        '/** What ExampleKafkaJob receives: the JSON given to dispatch. */',
        'export interface ExampleKafkaJobPayload {',
        '  data: string',
        '}',
        '',
        'export default class ExampleKafkaJob extends Job<ExampleKafkaJobPayload> {',
        '  // Attempts in all before the job goes to the dead-letter topic (wins over `kq work --tries`).',
        '  override tries = 3',
        "  // Seconds before each retry; the last value repeats (Laravel's rule).",
        '  override backoff = [1, 5, 10]',
        '  // Seconds an attempt may run before it is aborted and counted as failed.',
        '  override timeout = 60',
        '',
        '  override async handle(payload: ExampleKafkaJobPayload, ctx: JobContext): Promise<void> {',
        '    // ctx.signal aborts at the timeout: hand it to whatever waits (fetch(url, {signal: ctx.signal}),',
        '    // a database query), so that an attempt that timed out stops instead of running on.',
        '    ctx.signal.throwIfAborted()',
        '    ctx.log(`processed ${payload.data}`)',
        '  }',
        '',
        '  // Runs once, after the last failed attempt, when the job is dead-lettered.',
        '  override async failed(payload: ExampleKafkaJobPayload, error: unknown, ctx: JobContext): Promise<void> {',
        '    ctx.log(`failed for good: ${String(error)}`)',
        '  }',
        '}',
        '',
      ].join('\n'),
    )
  })

  it('has no semicolons, as the project style', () => {
    assert.doesNotMatch(renderJobTemplate({name: 'SendEmail', queue: 'emails'}), /;\s*$/m)
  })

  it('fills tries and timeout from the options', () => {
    const source = renderJobTemplate({name: 'SendEmail', tries: 7, timeout: 120})
    assert.match(source, /^ {2}override tries = 7$/m)
    assert.match(source, /^ {2}override timeout = 120$/m)
    assert.match(source, /^ {2}override backoff = \[1, 5, 10\]$/m)
  })

  it('adds the queue line, with its comment, only when a queue is given', () => {
    assert.doesNotMatch(renderJobTemplate({name: 'SendEmail'}), /queue/)
    const source = renderJobTemplate({name: 'SendEmail', queue: 'emails'})
    assert.match(source, /\n {2}\/\/ Queue that dispatch\(\) sends to when the caller names none\.\n {2}override queue = 'emails'\n/)
  })

  it('names the payload type after the job', () => {
    const source = renderJobTemplate({name: 'ResizeImage'})
    assert.match(source, /export interface ResizeImagePayload \{/)
    assert.match(source, /export default class ResizeImage extends Job<ResizeImagePayload> \{/)
  })

  it('refuses a bad name or option rather than write a file that cannot work', () => {
    assert.throws(() => renderJobTemplate({name: 'my-job'}), UsageError)
    assert.throws(() => renderJobTemplate({name: 'SendEmail', tries: 0}), /tries must be a positive integer/)
    assert.throws(() => renderJobTemplate({name: 'SendEmail', timeout: 1.5}), /timeout must be a positive integer/)
  })
})

describe('writeJobFile', () => {
  it('creates the folder and writes <Name>.ts in it, returning the path', async () => {
    const dir = path.join(tempDir(), 'src', 'jobs')
    const file = await writeJobFile(dir, 'SendEmail', 'contents')
    assert.equal(file, path.join(dir, 'SendEmail.ts'))
    assert.equal(readFileSync(file, 'utf8'), 'contents')
  })

  it('refuses to overwrite without force, and leaves the file as it was', async () => {
    const dir = tempDir()
    const file = await writeJobFile(dir, 'SendEmail', 'first')
    await assert.rejects(writeJobFile(dir, 'SendEmail', 'second'), (error: Error) => {
      assert.ok(error instanceof UsageError)
      assert.equal(error.message, `${file} already exists: pass --force to overwrite it`)
      return true
    })
    assert.equal(readFileSync(file, 'utf8'), 'first')
  })

  it('overwrites with force', async () => {
    const dir = tempDir()
    const file = await writeJobFile(dir, 'SendEmail', 'first')
    await writeJobFile(dir, 'SendEmail', 'second', {force: true})
    assert.equal(readFileSync(file, 'utf8'), 'second')
  })

  it('shows the path relative to the working folder when inside it', async () => {
    const dir = tempDir()
    const cwd = process.cwd()
    process.chdir(dir)
    try {
      await writeJobFile('src/jobs', 'SendEmail', 'first')
      await assert.rejects(writeJobFile('src/jobs', 'SendEmail', 'second'), {
        message: `${path.join('src', 'jobs', 'SendEmail.ts')} already exists: pass --force to overwrite it`,
      })
    } finally {
      process.chdir(cwd)
    }
  })

  it('refuses a JavaScript file of the same job without force, and with force writes the .ts that wins over it', async () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, 'SendEmail.js'), 'old')
    await assert.rejects(writeJobFile(dir, 'SendEmail', 'new'), {
      message:
        `${path.join(dir, 'SendEmail.js')} already holds job SendEmail: ` +
        'pass --force to write SendEmail.ts beside it, which kq then loads instead',
    })
    assert.deepEqual(readdirSync(dir), ['SendEmail.js'])
    await writeJobFile(dir, 'SendEmail', 'new', {force: true})
    assert.deepEqual(readdirSync(dir).sort(), ['SendEmail.js', 'SendEmail.ts'])
    assert.equal(readFileSync(path.join(dir, 'SendEmail.js'), 'utf8'), 'old')
  })

  it('never writes through a symbolic link, even with force', async () => {
    const dir = tempDir()
    const outside = path.join(tempDir(), 'target.ts')
    writeFileSync(outside, 'outside')
    symlinkSync(outside, path.join(dir, 'SendEmail.ts'))
    await assert.rejects(writeJobFile(dir, 'SendEmail', 'pwned', {force: true}), /is not a plain file: kq will not overwrite it/)
    assert.equal(readFileSync(outside, 'utf8'), 'outside')
  })

  it('never writes outside the folder, whatever the name', async () => {
    const parent = tempDir()
    const dir = path.join(parent, 'jobs')
    mkdirSync(dir)
    for (const name of ['../Evil', '/etc/Evil', 'Foo/../../Evil', '..', 'Sub/Evil']) {
      await assert.rejects(writeJobFile(dir, name, 'evil', {force: true}), UsageError, name)
    }

    assert.deepEqual(readdirSync(parent), ['jobs'])
    assert.deepEqual(readdirSync(dir), [])
  })
})
