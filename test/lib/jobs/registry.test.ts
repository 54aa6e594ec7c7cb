import {strict as assert} from 'node:assert'
import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {ConfigError, ExitCode} from '../../../src/lib/errors.js'
import {jobNameOf} from '../../../src/lib/jobs/job.js'
import {JobRegistry} from '../../../src/lib/jobs/registry.js'
import {jobSource} from '../../support/app.js'
import {app, inside, loadError, unknownJob} from './registry-apps.js'

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
})
