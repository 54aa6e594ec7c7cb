import {strict as assert} from 'node:assert'
import {execFile} from 'node:child_process'
import {readFileSync} from 'node:fs'
import path from 'node:path'

import {envFile, kq} from './support/cli.js'
import {KQ_BIN, REPO_ROOT} from './support/paths.js'
import {closedPort} from './support/ports.js'

const reporter = path.join(REPO_ROOT, 'dist', 'test', 'support', 'report-loaded-modules.js')

function loadedCount(stderr: string, name: string): number {
  const match = new RegExp(`loaded ${name}: (\\d+)`).exec(stderr)
  assert.ok(match, `no module report in ${stderr}`)
  return Number(match[1])
}

describe('the kq binary', () => {
  it('lists its command topics in --help without loading kafkajs, or even oclif', async () => {
    const {code, stdout, stderr} = await kq(['--help'], {nodeArgs: ['--import', reporter]})
    assert.equal(code, 0)
    assert.match(stdout, /\$ kq \[COMMAND\]/)
    assert.match(stdout, /kafka\s+Run a local Apache Kafka/)
    assert.match(stdout, /topic\s+Create and inspect queue topics/)
    assert.equal(loadedCount(stderr, 'kafkajs'), 0)
    assert.equal(loadedCount(stderr, '@oclif/core'), 0)
  })

  it('prints in --help what oclif renders, at any width', async () => {
    const quick = await kq(['--help'])
    const oclif = await kq(['help'])
    assert.equal(oclif.code, 0)
    assert.equal(quick.stdout, oclif.stdout)
    // At a width the build did not render, oclif answers, wrapping to it.
    const narrow = await kq(['--help'], {env: {OCLIF_COLUMNS: '50'}})
    assert.equal(narrow.code, 0)
    assert.equal(narrow.stdout, (await kq(['help'], {env: {OCLIF_COLUMNS: '50'}})).stdout)
    assert.notEqual(narrow.stdout, quick.stdout)
  })

  it('prints its version as oclif does, without loading kafkajs or oclif', async () => {
    const {version} = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'))
    const {code, stdout, stderr} = await kq(['--version'], {nodeArgs: ['--import', reporter]})
    assert.equal(code, 0)
    assert.match(stdout, new RegExp(`^kq/${version.replaceAll('.', '\\.')} `))
    assert.equal(stdout, `kq/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
    assert.equal(loadedCount(stderr, 'kafkajs'), 0)
    assert.equal(loadedCount(stderr, '@oclif/core'), 0)
  })

  it('loads kafkajs once a command talks to Kafka (so the check above can fail)', async () => {
    const {stderr} = await kq(['topic:list', '--brokers', `127.0.0.1:${await closedPort()}`], {
      nodeArgs: ['--import', reporter],
    })
    assert.ok(loadedCount(stderr, 'kafkajs') > 0)
  })

  it('answers a bad flag with one line and exit code 2, no stack trace', async () => {
    const {code, stdout, stderr} = await kq(['topic:create', '--partitions', 'many'])
    assert.equal(code, 2)
    assert.equal(stdout, '')
    assert.equal(
      stderr,
      'Error: Parsing --partitions: Expected an integer but received: many (see `kq topic:create --help`)\n',
    )
  })

  it('answers a mistyped command with the nearest real one', async () => {
    const {code, stderr} = await kq(['topic:craete'])
    assert.equal(code, 127)
    assert.equal(stderr, 'Error: topic:craete is not a kq command: did you mean `kq topic:create`?\n')
  })

  it('runs `kq <topic> <verb>` as the command, never a topic\'s help with exit 0', async () => {
    const made = await kq(['make', 'job', '--json'])
    assert.equal(made.code, 2, 'make job without a name must fail as make:job does')
    assert.match(made.stdout, /missing job name: kq make:job <Name>/)
    const typo = await kq(['dlt', 'lsit'])
    assert.equal(typo.code, 127)
    assert.equal(typo.stderr, 'Error: dlt:lsit is not a kq command: did you mean `kq dlt:list`?\n')
  })

  it("takes Laravel's queue:* names for kq's commands, and says what to use for the others", async () => {
    for (const [laravel, kqName] of [
      ['queue:work', 'Work the jobs'],
      ['queue:failed', 'List the dead letters'],
      ['queue:retry', 'dead letters'],
      ['queue:flush', 'dead letters'],
      ['queue:forget', 'dead letters'],
      ['queue:monitor', ''],
    ]) {
      const {code, stdout} = await kq([laravel, '--help'])
      assert.equal(code, 0, laravel)
      assert.ok(stdout.includes(kqName), `${laravel} --help: ${stdout.slice(0, 200)}`)
    }

    const spaced = await kq(['queue', 'work', '--help'])
    assert.equal(spaced.code, 0)
    const clear = await kq(['queue:clear'])
    assert.equal(clear.code, 127)
    assert.match(clear.stderr, /^Error: queue:clear is not a kq command: kq does not delete a queue's jobs: [^\n]+\n$/)
    const typo = await kq(['queue:wrk'])
    assert.equal(typo.stderr, 'Error: queue:wrk is not a kq command: did you mean `kq work`?\n')
  })

  it('answers an unknown command it cannot place by pointing at --help', async () => {
    const {code, stderr} = await kq(['frobnicate'])
    assert.equal(code, 127)
    assert.equal(stderr, 'Error: frobnicate is not a kq command: see `kq --help` for the list\n')
  })

  it('says when the --dotenv file is missing, however Node was started (npx starts it with every argument)', async () => {
    const {code, stderr} = await new Promise<{code: number; stderr: string}>((resolve) => {
      execFile(process.execPath, [KQ_BIN, 'topic:list', '--dotenv', 'missing.env'], (error, _stdout, stderr) => {
        resolve({code: typeof error?.code === 'number' ? error.code : 0, stderr})
      })
    })
    assert.equal(code, 4)
    assert.equal(stderr, 'Error: env file missing.env does not exist: check --dotenv, or copy .env.example\n')
  })

  it('warns of a misspelt setting in the env file before doing anything, and still runs', async () => {
    const file = envFile({KAFKA_PARTITONS: 6})
    const {code, stderr} = await kq(['topic:list', '--dotenv', file])
    assert.equal(code, 0, stderr)
    const [first] = stderr.split('\n')
    assert.equal(first, 'Warning: KAFKA_PARTITONS in .env is not a kq setting, and is ignored: did you mean KAFKA_PARTITIONS?')
  })

  it('takes --env-file pointing at a missing file as its own flag, not as Node\'s', async () => {
    const {code, stderr} = await kq(['topic:list', '--env-file', 'missing.env'])
    assert.equal(code, 4)
    assert.equal(stderr, 'Error: env file missing.env does not exist: check --dotenv, or copy .env.example\n')
  })
})
