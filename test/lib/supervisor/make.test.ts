import {strict as assert} from 'node:assert'
import {mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {ConfigError, UsageError} from '../../../src/lib/errors.js'
import {type ProcessManagerRequest, prepareProcessManagerConfig, writeConfigFile} from '../../../src/lib/supervisor/index.js'

// Nothing listens on port 1: the partition check is skipped at once, with a warning.
const NO_KAFKA = '127.0.0.1:1'
const SKIPPED = `partition check skipped: cannot reach Kafka at ${NO_KAFKA} (connection refused)`

describe('prepareProcessManagerConfig', () => {
  let app: string

  beforeEach(() => {
    app = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'kq-make-')))
  })

  afterEach(() => {
    rmSync(app, {recursive: true, force: true})
  })

  function request(given: Partial<ProcessManagerRequest> = {}): ProcessManagerRequest {
    return {
      manager: 'supervisor',
      queues: 'orders',
      procs: 2,
      user: 'deploy',
      directory: app,
      command: '/usr/bin/node -- /srv/kq/bin/run.js',
      force: false,
      work: {},
      brokers: NO_KAFKA,
      runningRoot: app,
      ...given,
    }
  }

  it('renders the workers’ command line from the settings given, and the paths from the application folder', async () => {
    writeFileSync(path.join(app, '.env.prod'), '')
    mkdirSync(path.join(app, 'jobs'))
    const made = await prepareProcessManagerConfig(request({work: {tries: 3, retryInPlace: true}, jobsDir: 'jobs', envFile: '.env.prod'}))
    assert.equal(made.format, 'supervisor')
    assert.equal(made.file, undefined)
    assert.match(
      made.content,
      new RegExp(`^command=/usr/bin/node -- /srv/kq/bin/run.js work orders --tries=3 --retry-in-place --brokers=127.0.0.1:1 --jobs-dir=${app}/jobs --dotenv=${app}/.env.prod$`, 'm'),
    )
    assert.deepEqual(made.warnings, [SKIPPED])
  })

  it('refuses a --jobs-dir that does not exist, which every worker it starts would refuse', async () => {
    await assert.rejects(prepareProcessManagerConfig(request({jobsDir: 'dist/jobs'})), (error: Error) => {
      assert.ok(error instanceof ConfigError)
      assert.equal(error.message, `the jobs folder ${path.join(app, 'dist', 'jobs')} does not exist: set KQ_JOBS_DIR or --jobs-dir to the folder of your job classes`)
      return true
    })
  })

  it('warns that workers running as root have every right', async () => {
    for (const user of ['root', '0']) {
      const made = await prepareProcessManagerConfig(request({user}))
      assert.deepEqual(made.warnings, ['the workers will run as root: pass --user to run them as a user with fewer rights', SKIPPED])
    }
  })

  it('puts the file into an --output folder under the name it is installed by', async () => {
    const made = await prepareProcessManagerConfig(request({manager: 'systemd', output: app}))
    assert.equal(made.file, path.join(app, 'kq-worker-orders@.service'))
  })

  it('refuses an --output file that exists unless forced', async () => {
    const file = path.join(app, 'workers.conf')
    writeFileSync(file, 'mine')
    await assert.rejects(prepareProcessManagerConfig(request({output: file})), UsageError)
    assert.equal((await prepareProcessManagerConfig(request({output: file, force: true}))).file, file)
  })

  it('refuses an --output whose path runs through a file, in one line that says so', async () => {
    writeFileSync(path.join(app, 'notes'), 'mine')
    const made = await prepareProcessManagerConfig(request({output: path.join(app, 'notes', 'workers.conf')}))
    await assert.rejects(writeConfigFile(made.file!, made.content), (error: Error) => {
      assert.ok(error instanceof UsageError, String(error))
      assert.equal(error.message, `cannot write ${path.join(app, 'notes', 'workers.conf')}: a file stands where its path needs a folder`)
      return true
    })
  })

  it('refuses a --group that Kafka would not take as a group id', async () => {
    await assert.rejects(prepareProcessManagerConfig(request({work: {group: 'a group'}})), /--group/)
  })
})
