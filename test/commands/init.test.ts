import {strict as assert} from 'node:assert'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {type InitCommandResult} from '../../src/commands/init.js'
import {type TestApp, makeTestApp} from '../support/app.js'
import {kq} from '../support/cli.js'
import {REPO_ROOT} from '../support/paths.js'

const EXAMPLE = readFileSync(path.join(REPO_ROOT, '.env.example'), 'utf8')
const folders: string[] = []
const apps: TestApp[] = []

/** The environment of a user's shell: none of kq's variables set. */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(KAFKA|KQ)_/.test(name)))
}

async function init(cwd: string, args: string[] = []) {
  return kq(['init', ...args], {cwd, env: {...userEnv(), NO_COLOR: '1'}})
}

function newApp(): string {
  const app = makeTestApp()
  apps.push(app)
  return app.root
}

after(() => {
  for (const app of apps) app.remove()
  for (const folder of folders) rmSync(folder, {recursive: true, force: true})
})

describe('kq init', function () {
  this.timeout(60_000)

  it('writes .env from the example and the jobs folder, and prints the next commands', async () => {
    const root = newApp()
    const {code, stdout, stderr} = await init(root)
    assert.equal(code, 0, stderr)
    assert.equal(readFileSync(path.join(root, '.env'), 'utf8'), EXAMPLE)
    // It will hold the SASL password and the encryption key: readable by its owner alone.
    if (process.platform !== 'win32') assert.equal(statSync(path.join(root, '.env')).mode & 0o777, 0o600)
    assert.ok(statSync(path.join(root, 'src', 'jobs')).isDirectory())
    const lines = stdout.split('\n')
    assert.deepEqual(lines.slice(0, 2), ['Created .env', 'Created src/jobs/'])
    const next = lines.slice(lines.indexOf('Next:') + 1).filter((line) => line.trim() !== '')
    assert.deepEqual(
      next.map((line) => line.trim().split(/\s+#/)[0].trim()),
      ['npx kq kafka:up', 'npx kq topic:create', 'npx kq make:job SendWelcomeEmail'],
    )
    // Not on the PATH: the commands the comments name go through npx as well.
    assert.match(next[2], /then npx kq dispatch SendWelcomeEmail '\{"data":"hi"\}' and npx kq work$/)
  })

  it('changes nothing when run again, and never touches an existing .env', async () => {
    const root = newApp()
    writeFileSync(path.join(root, '.env'), 'KAFKA_BROKERS=kafka.internal:9092\n')
    const first = await init(root, ['--json'])
    assert.equal(first.code, 0, first.stderr)
    const result = JSON.parse(first.stdout) as InitCommandResult
    assert.deepEqual(result.env, {file: path.join(root, '.env'), created: false})
    assert.deepEqual(result.jobs, {dir: path.join(root, 'src', 'jobs'), created: true})
    assert.equal(result.kqInstalled, true)
    const second = JSON.parse((await init(root, ['--json'])).stdout) as InitCommandResult
    assert.equal(second.env.created, false)
    assert.equal(second.jobs.created, false)
    assert.equal(readFileSync(path.join(root, '.env'), 'utf8'), 'KAFKA_BROKERS=kafka.internal:9092\n')
  })

  it('makes the jobs folder that .env names, or --jobs-dir', async () => {
    const root = newApp()
    writeFileSync(path.join(root, '.env'), 'KQ_JOBS_DIR=app/Jobs\n')
    assert.equal((await init(root)).code, 0)
    assert.ok(statSync(path.join(root, 'app', 'Jobs')).isDirectory())
    assert.equal((await init(root, ['--jobs-dir', 'lib/jobs'])).code, 0)
    assert.ok(statSync(path.join(root, 'lib', 'jobs')).isDirectory())
  })

  it('says how to install kq when the folder cannot import it yet', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'kq-init-'))
    folders.push(root)
    const {code, stdout} = await init(root)
    assert.equal(code, 0)
    assert.match(stdout, /cannot import kq yet[^\n]*\n {2}npm install <kq's folder, or the \.tgz that npm pack makes there>/)
    assert.match(stdout, /\n {2}kq kafka:up/, 'without npx: kq is not in this folder')
  })

  for (const [what, block] of [
    ['a folder where .env should be', (root: string) => mkdirSync(path.join(root, '.env'))],
    ['a file where the jobs folder should be', (root: string) => writeFileSync(path.join(root, 'src', 'jobs'), '')],
  ] as const) {
    it(`refuses ${what} with one line, exit 8, writing nothing`, async () => {
      const root = newApp()
      mkdirSync(path.join(root, 'src'))
      block(root)
      const {code, stdout, stderr} = await init(root)
      assert.equal(code, 8)
      assert.equal(stdout, '')
      assert.match(stderr, /^Error: cannot write \S+ \(a (folder|file) is in the way\): run kq init in your application's folder, one you can write to\n$/)
      if (what.includes('jobs')) assert.equal(existsSync(path.join(root, '.env')), false, '.env written before the refusal')
    })
  }
})
