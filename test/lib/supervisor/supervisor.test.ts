import {strict as assert} from 'node:assert'

import {UsageError} from '../../../src/lib/errors.js'
import {type ProcessManagerOptions, renderSupervisorProgram} from '../../../src/lib/supervisor/index.js'
import {isInstalled, readSupervisorFile} from './parse.js'

const KQ = ['/usr/bin/node', '--', '/srv/app/node_modules/kq/bin/run.js']

function options(given: Partial<ProcessManagerOptions> = {}): ProcessManagerOptions {
  return {queues: ['orders'], procs: 8, work: {tries: 3}, directory: '/srv/app', command: KQ, user: 'deploy', ...given}
}

describe('Supervisor program', () => {
  before(function () {
    if (!isInstalled('python3')) {
      process.stderr.write('    skipped: python3 (whose configparser Supervisor uses) is not installed\n')
      this.skip()
    }
  })

  it('renders the guide’s eight workers as a program section that Supervisor’s parser reads back key by key', () => {
    const file = readSupervisorFile(renderSupervisorProgram(options()))
    assert.deepEqual(file.sections, [
      {
        name: 'program:kq-worker-orders',
        keys: {
          process_name: '%(program_name)s_%(process_num)02d',
          numprocs: '8',
          command: '/usr/bin/node -- /srv/app/node_modules/kq/bin/run.js work orders --tries=3',
          directory: '/srv/app',
          user: 'deploy',
          autostart: 'true',
          autorestart: 'true',
          stopsignal: 'TERM',
          stopwaitsecs: '90',
          stopasgroup: 'true',
          killasgroup: 'true',
          redirect_stderr: 'true',
          stdout_logfile: '/srv/app/kq-worker-orders.log',
          environment: 'NO_COLOR="1"',
        },
      },
    ])
    assert.deepEqual(
      file.processes.map((each) => each.name),
      ['00', '01', '02', '03', '04', '05', '06', '07'].map((num) => `kq-worker-orders_${num}`),
    )
    assert.deepEqual(file.processes[0], {
      name: 'kq-worker-orders_00',
      command: [...KQ, 'work', 'orders', '--tries=3'],
      directory: '/srv/app',
      user: 'deploy',
      stdoutLogfile: '/srv/app/kq-worker-orders.log',
      environment: {NO_COLOR: '1'},
    })
  })

  it('gives each process its own metrics port: --metrics-port plus its process number', () => {
    const file = readSupervisorFile(renderSupervisorProgram(options({work: {metricsPort: 9400}})))
    assert.deepEqual(file.processes[3].command, [...KQ, 'work', 'orders', '--metrics-port=9400'])
    assert.deepEqual(
      file.processes.map((each) => each.environment),
      Array.from({length: 8}, (_, index) => ({NO_COLOR: '1', KQ_METRICS_PORT_OFFSET: String(index)})),
    )
  })

  it('passes every kq work flag through to each worker’s command line', () => {
    const work = {
      tries: 3,
      backoff: [1, 5, 10],
      timeout: 120,
      concurrency: 4,
      retryInPlace: true,
      maxJobs: 1000,
      maxTime: 3600,
      memory: 512,
      group: 'billing',
      fromBeginning: true,
      sessionTimeout: 45,
      brokerTimeout: 90,
      brokers: ['kafka-1:9092', 'kafka-2:9092'],
      jobsDir: '/srv/app/dist/jobs',
      envFile: '/srv/app/.env.production',
    }
    const [worker] = readSupervisorFile(renderSupervisorProgram(options({queues: ['high', 'default'], work}))).processes
    assert.deepEqual(worker.command, [
      ...KQ,
      'work',
      'high,default',
      '--tries=3',
      '--backoff=1,5,10',
      '--timeout=120',
      '--concurrency=4',
      '--retry-in-place',
      '--max-jobs=1000',
      '--max-time=3600',
      '--memory=512',
      '--group=billing',
      '--from-beginning',
      '--session-timeout=45',
      '--broker-timeout=90',
      '--brokers=kafka-1:9092,kafka-2:9092',
      '--jobs-dir=/srv/app/dist/jobs',
      '--dotenv=/srv/app/.env.production',
    ])
    assert.equal(worker.name, 'kq-worker-high-default_00')
  })

  it('keeps paths with spaces, quotes, percent signs, "#" and ";" whole', () => {
    const directory = "/srv/my app/100% it's #1"
    const command = ['/opt/node 20/bin/node', '--', `${directory}/a ;b/run.js`, 'tab\there', '$HOME', '']
    const logFile = '/var/log/kq %(process_num)02d/worker;#1.log'
    const envFile = `${directory}/.env "prod"`
    const content = renderSupervisorProgram(options({directory: '/srv/my app/100%', command, logFile, work: {envFile}}))
    const [worker] = readSupervisorFile(content).processes
    assert.deepEqual(worker.command, [...command, 'work', 'orders', `--dotenv=${envFile}`])
    assert.equal(worker.directory, '/srv/my app/100%')
    assert.equal(worker.stdoutLogfile, logFile)
  })

  it('sets stopwaitsecs to the job timeout plus 30 seconds for the worker to commit and leave, or to --stop-wait', () => {
    const keys = (given: Partial<ProcessManagerOptions>) => readSupervisorFile(renderSupervisorProgram(options(given))).sections[0].keys
    assert.equal(keys({}).stopwaitsecs, '90')
    assert.equal(keys({work: {timeout: 300}}).stopwaitsecs, '330')
    assert.equal(keys({work: {timeout: 300}, stopWait: 900}).stopwaitsecs, '900')
    const comment = renderSupervisorProgram(options({work: {timeout: 300}})).replaceAll('\n; ', ' ')
    assert.match(comment, /the job timeout \(300s\) plus 30s to commit and leave the consumer group/)
  })

  it('restarts a worker whatever its exit code, so exit 12 (over --memory) is never fatal, and says why', () => {
    const content = renderSupervisorProgram(options({work: {memory: 256}}))
    const {keys} = readSupervisorFile(content).sections[0]
    assert.equal(keys.autorestart, 'true')
    assert.equal(keys.exitcodes, undefined)
    assert.match(content.replaceAll('\n; ', ' '), /exitcodes \(default 0\) only says which exits are expected, and autorestart=true restarts the others too, so exit 12 \(over --memory\) is a restart, never fatal/)
  })

  it('opens with how to install the program', () => {
    const content = renderSupervisorProgram(options())
    assert.deepEqual(content.split('\n').slice(0, 4), [
      '; kq workers for queue orders: 8 processes under Supervisor.',
      '; Install: save as /etc/supervisor/conf.d/kq-worker-orders.conf, then',
      ';   sudo supervisorctl reread && sudo supervisorctl update',
      "; and see them with: sudo supervisorctl status 'kq-worker-orders:*'",
    ])
  })
})

describe('Supervisor program input checks', () => {
  const refusals: Array<[string, Partial<ProcessManagerOptions>, RegExp]> = [
    ['no workers', {procs: 0}, /^--procs must be a whole number from 1 to 100, got 0$/],
    ['more than 100 workers', {procs: 101}, /^--procs must be a whole number from 1 to 100, got 101$/],
    ['a fraction of a worker', {procs: 1.5}, /^--procs must be a whole number from 1 to 100, got 1.5$/],
    ['a user name with a space', {user: 'dep loy'}, /^--user must be a user name .*, got "dep loy"$/],
    ['a user name with a shell character', {user: 'deploy;rm'}, /^--user must be a user name/],
    ['a bad queue name', {queues: ['bad queue']}, /^queue must be a Kafka topic name .*, got "bad queue"$/],
    ['an empty queue in a list', {queues: ['a', '']}, /^queue must be a Kafka topic name/],
    ['the same queue twice', {queues: ['a', 'a']}, /^queue list a,a names a queue twice: name each once, highest priority first$/],
    ['a relative folder', {directory: 'app'}, /^--directory must be an absolute path, got "app"$/],
    ['a relative log file', {logFile: 'kq.log'}, /^--log must be an absolute path, got "kq.log"$/],
    ['a relative program', {command: ['bin/kq']}, /^--command must start with an absolute path or a program on PATH, got "bin\/kq"$/],
    ['no program', {command: []}, /^--command must name the program that runs kq/],
    ['a folder with a line break', {directory: '/srv/a\nb'}, /^--directory "\/srv\/a\\nb" cannot be written to the file: it holds a line break$/],
    ['a folder that Supervisor would cut at ";"', {directory: '/srv/a ;b'}, /^--directory "\/srv\/a ;b" cannot be written to the file: Supervisor reads ';' or '#' after a space as a comment$/],
    ['a log file ending in a space', {logFile: '/srv/kq.log '}, /^--log "\/srv\/kq.log " cannot be written to the file: it starts or ends with a space$/],
    ['a command word with a line break', {command: ['/bin/node', 'a\nb']}, /^--command "a\\nb" cannot be written to the file: it holds a line break$/],
    ['a zero stop wait', {stopWait: 0}, /^--stop-wait must be a positive whole number of seconds, got 0$/],
  ]

  for (const [what, given, message] of refusals) {
    it(`refuses ${what} with one line`, () => {
      assert.throws(
        () => renderSupervisorProgram(options(given)),
        (error: unknown) => error instanceof UsageError && message.test(error.message) && !error.message.includes('\n'),
      )
    })
  }
})
