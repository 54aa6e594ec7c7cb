import {strict as assert} from 'node:assert'
import {type ChildProcess, execFile, spawn} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {type MakeSupervisorResult} from '../../../src/commands/make/supervisor.js'
import {ExitCode} from '../../../src/lib/errors.js'
import {type TestApp, jobSource, makeTestApp} from '../../support/app.js'
import {kq} from '../../support/cli.js'
import {REPO_ROOT} from '../../support/paths.js'
import {closedPort} from '../../support/ports.js'
import {createQueue} from '../../support/topics.js'
import {execArguments, isInstalled, readSupervisorFile, readSystemdUnit, unitKeys} from '../../lib/supervisor/parse.js'

const apps: TestApp[] = []

/** A test application; its folder by its real path, as the command sees it from inside. */
function app(options: Parameters<typeof makeTestApp>[0] = {}): TestApp {
  const made = makeTestApp(options)
  apps.push(made)
  return {...made, root: realpathSync(made.root)}
}

after(() => {
  for (const each of apps) each.remove()
})

/** The app's own kq, started by this Node: what the command chooses when --command is not given. */
function appKq(root: string): string[] {
  return [process.execPath, '--', path.join(root, 'node_modules', 'kq', 'bin', 'run.js')]
}

describe('kq make:supervisor', () => {
  it('prints a Supervisor program for the queue, run by this Node and the application’s own kq', async () => {
    const {root} = app()
    const queue = await createQueue('sup', 8)
    const {code, stdout, stderr} = await kq(['make:supervisor', queue, '--user', 'deploy', '--tries', '3'], {cwd: root})
    assert.equal(stderr, '')
    assert.equal(code, 0)
    const file = readSupervisorFile(stdout)
    assert.equal(file.sections.length, 1)
    assert.equal(file.sections[0].name, `program:kq-worker-${queue}`)
    assert.equal(file.sections[0].keys.numprocs, '8')
    assert.equal(file.processes.length, 8)
    assert.deepEqual(file.processes[7], {
      name: `kq-worker-${queue}_07`,
      command: [...appKq(root), 'work', queue, '--tries=3'],
      directory: root,
      user: 'deploy',
      stdoutLogfile: path.join(root, `kq-worker-${queue}.log`),
      environment: {NO_COLOR: '1'},
    })
  })

  it("takes the queues as Laravel spells them, --queue=high,low, and refuses them given twice", async () => {
    const {root} = app()
    const [high, low] = [await createQueue('sup-high'), await createQueue('sup-low')]
    const {code, stdout, stderr} = await kq(['make:supervisor', `--queue=${high},${low}`, '--procs', '1', '--user', 'deploy'], {cwd: root})
    assert.equal(code, 0, stderr)
    assert.equal(stderr, '')
    const [worker] = readSupervisorFile(stdout).processes
    assert.deepEqual(worker.command.slice(3), ['work', `${high},${low}`])

    const twice = await kq(['make:supervisor', 'default', '--queue=high,low'], {cwd: root})
    assert.equal(twice.code, ExitCode.Usage)
    assert.equal(twice.stderr, 'Error: queues given twice, as the argument (default) and as --queue (high,low): give one; kq has no connection argument, KAFKA_BROKERS says where Kafka is\n')
  })

  it('works KAFKA_QUEUE as the current user when neither is given', async () => {
    const queue = await createQueue('sup', 8)
    const {root} = app({files: {'.env': `KAFKA_QUEUE=${queue}\n`}})
    const {code, stdout, stderr} = await kq(['make:supervisor'], {cwd: root})
    assert.equal(code, 0)
    const user = os.userInfo().username
    const asRoot = 'Warning: the workers will run as root: pass --user to run them as a user with fewer rights\n'
    assert.equal(stderr, user === 'root' ? asRoot : '')
    const [worker] = readSupervisorFile(stdout).processes
    assert.deepEqual([worker.name, worker.user, worker.command.slice(3)], [`kq-worker-${queue}_00`, user, ['work', queue]])
  })

  it('warns on stderr when --procs exceeds the queue’s partitions, and still exits 0', async () => {
    const {root} = app()
    const queue = await createQueue('sup', 3)
    const {code, stdout, stderr} = await kq(['make:supervisor', queue, '--procs', '8', '--user', 'deploy'], {cwd: root})
    assert.equal(code, 0)
    assert.equal(
      stderr,
      `Warning: 8 workers for 3 partitions of ${queue}: 5 would idle; lower --procs to 3 or give the topic more partitions\n`,
    )
    assert.equal(readSupervisorFile(stdout).processes.length, 8)
  })

  it('says in one line that the partition check was skipped when Kafka cannot be reached, and exits 0', async () => {
    const {root} = app()
    const args = ['make:supervisor', 'orders', '--user', 'deploy', '--brokers', '127.0.0.1:1']
    const {code, stdout, stderr} = await kq(args, {cwd: root})
    assert.equal(code, 0)
    assert.equal(stderr, 'Warning: partition check skipped: cannot reach Kafka at 127.0.0.1:1 (connection refused)\n')
    const [worker] = readSupervisorFile(stdout).processes
    assert.deepEqual(worker.command.slice(3), ['work', 'orders', '--brokers=127.0.0.1:1'])
  })

  it('needs no broker: without one, kafkajs is never loaded and the file is written at once', async () => {
    const {root} = app()
    const reporter = path.join(REPO_ROOT, 'dist', 'test', 'support', 'report-loaded-modules.js')
    const {code, stderr} = await kq(['make:supervisor', '--user', 'deploy', '-o', 'kq.conf'], {
      cwd: root,
      nodeArgs: ['--import', reporter],
      env: {KAFKA_BROKERS: `127.0.0.1:${await closedPort()}`},
    })
    assert.equal(code, 0, stderr)
    assert.match(stderr, /^Warning: partition check skipped: cannot reach Kafka at 127\.0\.0\.1:\d+ \(connection refused\)$/m)
    assert.match(stderr, /^loaded kafkajs: 0$/m)
    assert.ok(existsSync(path.join(root, 'kq.conf')))
  })

  it('writes a systemd template unit with --systemd', async () => {
    const {root} = app()
    const queue = await createQueue('sup', 4)
    const args = ['make:supervisor', queue, '--systemd', '--procs', '4', '--user', 'deploy', '--timeout', '120', '--memory', '512']
    const {code, stdout, stderr} = await kq(args, {cwd: root})
    assert.equal(stderr, '')
    assert.equal(code, 0)
    const unit = readSystemdUnit(stdout)
    const service = unitKeys(unit, 'Service')
    assert.deepEqual(execArguments(service.ExecStart), [...appKq(root), 'work', queue, '--timeout=120', '--memory=512'])
    assert.deepEqual([service.User, service.WorkingDirectory, service.TimeoutStopSec], ['deploy', root, '150'])
    assert.ok(unit.comments.includes(`sudo systemctl enable --now kq-worker-${queue}@{1..4}`))
  })

  it('writes --output, and never overwrites it without --force', async () => {
    const {root} = app()
    const file = path.join(root, 'kq.conf')
    const args = ['make:supervisor', 'orders', '--brokers', '127.0.0.1:1', '-o', 'kq.conf']
    const first = await kq([...args, '--user', 'deploy'], {cwd: root})
    assert.equal(first.code, 0)
    assert.equal(first.stdout, 'Created kq.conf\n')
    assert.equal(readSupervisorFile(readFileSync(file, 'utf8')).processes[0].user, 'deploy')
    writeFileSync(file, '; my own\n')
    const refused = await kq([...args, '--user', 'deploy'], {cwd: root})
    assert.equal(refused.code, ExitCode.Usage)
    assert.equal(refused.stdout, '')
    assert.equal(refused.stderr, 'Error: kq.conf already exists: pass --force to overwrite it\n')
    assert.equal(readFileSync(file, 'utf8'), '; my own\n')
    const forced = await kq([...args, '--force', '--user', 'worker'], {cwd: root})
    assert.equal(forced.code, 0)
    assert.equal(readSupervisorFile(readFileSync(file, 'utf8')).processes[0].user, 'worker')
    // Not even --force writes through a symbolic link.
    rmSync(file)
    symlinkSync(path.join(root, 'elsewhere.conf'), file)
    const linked = await kq([...args, '--force', '--user', 'deploy'], {cwd: root})
    assert.equal(linked.code, ExitCode.Usage)
    assert.equal(linked.stderr, 'Error: kq.conf is a symbolic link: kq will not write through it\n')
    assert.equal(existsSync(path.join(root, 'elsewhere.conf')), false)
  })

  it('writes into a folder under the name the file is installed by', async () => {
    const {root} = app()
    mkdirSync(path.join(root, 'conf.d'))
    const args = ['make:supervisor', 'orders', '--user', 'deploy', '--brokers', '127.0.0.1:1', '-o', 'conf.d']
    assert.equal((await kq(args, {cwd: root})).stdout, `Created ${path.join('conf.d', 'kq-worker-orders.conf')}\n`)
    assert.equal((await kq([...args, '--systemd'], {cwd: root})).stdout, `Created ${path.join('conf.d', 'kq-worker-orders@.service')}\n`)
  })

  it('returns the format, the file, the content and the warnings with --json, and prints nothing else', async () => {
    const {root} = app()
    const queue = await createQueue('sup', 3)
    const {code, stdout, stderr} = await kq(['make:supervisor', queue, '--user', 'deploy', '-o', 'kq.conf', '--json'], {cwd: root})
    assert.equal(stderr, '')
    assert.equal(code, 0)
    const file = path.join(root, 'kq.conf')
    assert.deepEqual(JSON.parse(stdout) as MakeSupervisorResult, {
      format: 'supervisor',
      file,
      content: readFileSync(file, 'utf8'),
      warnings: [`8 workers for 3 partitions of ${queue}: 5 would idle; lower --procs to 3 or give the topic more partitions`],
    })
  })

  it('takes relative --log, --env-file and --jobs-dir from the application folder, and reads the app’s env file', async () => {
    const queue = await createQueue('sup', 8)
    const {root} = app({files: {'prod env/.env': `KAFKA_QUEUE=${queue}\n`}})
    mkdirSync(path.join(root, 'dist', 'jobs'), {recursive: true})
    const args = ['make:supervisor', '-d', root, '--user', 'deploy', '--log', 'logs/w.log', '--env-file', 'prod env/.env', '--jobs-dir', 'dist/jobs']
    const {code, stdout, stderr} = await kq(args)
    assert.equal(stderr, '')
    assert.equal(code, 0)
    const [worker] = readSupervisorFile(stdout).processes
    assert.deepEqual(worker.command.slice(3), [
      'work',
      queue,
      `--jobs-dir=${path.join(root, 'dist', 'jobs')}`,
      `--dotenv=${path.join(root, 'prod env', '.env')}`,
    ])
    assert.equal(worker.stdoutLogfile, path.join(root, 'logs', 'w.log'))
    assert.equal(worker.directory, root)
  })

  it('refuses bad input with one line and exit 2, before asking Kafka anything', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--procs', '0'], /--procs/],
      [['--procs', '101'], /--procs/],
      [['--user', 'bad user'], /^Error: --user must be a user name/],
      [['bad queue!'], /^Error: queue must be a Kafka topic name/],
      [['--backoff', 'soon'], /^Error: --backoff must be seconds/],
      [['--command', 'node "kq'], /^Error: --command has an unclosed " quote/],
      [['--command', 'bin/kq'], /^Error: --command must start with an absolute path or a program on PATH/],
      [['--group', 'bad group'], /^Error: --group must be a name/],
      [['--log', '/var/log/a ;b.log'], /^Error: --log "\/var\/log\/a ;b.log" cannot be written to the file/],
      [['--systemd', '--command', '-kq'], /^Error: --command cannot start with "-" in a systemd unit/],
      [['--stop-wait', '0'], /--stop-wait/],
    ]
    const results = await Promise.all(
      cases.map(([args]) => kq(['make:supervisor', '--brokers', '127.0.0.1:1', ...(args.includes('--user') ? [] : ['--user', 'deploy']), ...args])),
    )
    for (const [index, [args, message]] of cases.entries()) {
      const {code, stdout, stderr} = results[index]
      assert.equal(code, ExitCode.Usage, args.join(' '))
      assert.equal(stdout, '', args.join(' '))
      assert.match(stderr, /^Error: [^\n]+\n$/, args.join(' '))
      assert.match(stderr, message, args.join(' '))
    }
  })
})

describe('kq make:supervisor under a real supervisord', function () {
  let dir: string
  let supervisord: ChildProcess | undefined

  before(function () {
    if (!isInstalled('supervisord')) {
      process.stderr.write('    skipped: supervisord is not installed (Debian: apt-get install supervisor)\n')
      this.skip()
    }
  })

  beforeEach(() => {
    // Short: the control socket's path must fit in 108 bytes.
    dir = mkdtempSync(path.join(os.tmpdir(), 'kq-sv-'))
  })

  afterEach(async () => {
    await stopSupervisord()
    rmSync(dir, {recursive: true, force: true})
  })

  /** Runs supervisord in the foreground on the generated program, with its own socket and logs. */
  function startSupervisord(program: string): string {
    const conf = path.join(dir, 'supervisord.conf')
    writeFileSync(
      conf,
      [
        '[supervisord]',
        'nodaemon=true',
        `logfile=${dir}/supervisord.log`,
        `pidfile=${dir}/supervisord.pid`,
        `childlogdir=${dir}`,
        '[unix_http_server]',
        `file=${dir}/supervisor.sock`,
        '[rpcinterface:supervisor]',
        'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
        '[supervisorctl]',
        `serverurl=unix://${dir}/supervisor.sock`,
        '',
        program,
      ].join('\n'),
    )
    supervisord = spawn('supervisord', ['-c', conf], {stdio: 'ignore'})
    return conf
  }

  async function stopSupervisord(): Promise<void> {
    const running = supervisord
    supervisord = undefined
    if (running === undefined || running.exitCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill('SIGTERM')
    await exited
  }

  async function supervisorctl(conf: string, ...args: string[]): Promise<string> {
    return new Promise((resolve) => {
      execFile('supervisorctl', ['-c', conf, ...args], (_, stdout) => resolve(stdout))
    })
  }

  /** Polls `check`; on time out, the error shows `shown()`, the log that was waited on. */
  async function waitFor(what: string, check: () => boolean, shown: () => string, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the log:\n${shown()}`)
      await sleep(200)
    }
  }

  const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern, 'gm'))?.length ?? 0

  it('starts each worker with the command, folder, user and environment as written, and restarts one that exits 12', async function () {
    this.timeout(120_000)
    // Every value that Supervisor expands or splits holds a space and a '%'.
    const home = path.join(dir, 'app 100%')
    const logs = path.join(dir, 'logs 100%')
    mkdirSync(home)
    mkdirSync(logs)
    writeFileSync(path.join(home, '.env prod'), '')
    const program = path.join(home, "fake 'kq'")
    // One write per start, so that the two workers' lines never interleave in the shared log.
    writeFileSync(
      program,
      [
        '#!/bin/sh',
        'out="start $SUPERVISOR_PROCESS_NAME\\ncwd=$(pwd) user=$(id -un) NO_COLOR=$NO_COLOR\\n"',
        'for arg in "$@"; do out="${out}arg=<${arg}>\\n"; done',
        'printf "%b" "$out"',
        // Past startsecs (1s), as a worker over --memory would be: a restart, not a failed start.
        'sleep 1.5',
        'exit 12',
        '',
      ].join('\n'),
    )
    chmodSync(program, 0o755)
    const user = os.userInfo().username
    const log = path.join(logs, 'fake 100%.log')
    const args = ['make:supervisor', 'fakeq', '--procs', '2', '--user', user, '--command', `'${program.replaceAll("'", `'"'"'`)}'`]
    const generated = await kq([...args, '-d', home, '--log', log, '--memory', '64', '--env-file', '.env prod', '--brokers', '127.0.0.1:1'])
    assert.equal(generated.code, 0, generated.stderr)
    const conf = startSupervisord(generated.stdout)

    const text = () => (existsSync(log) ? readFileSync(log, 'utf8') : '')
    const starts = (name: string) => count(text(), new RegExp(`^start ${name}$`))
    await waitFor('each worker to be restarted after exit 12', () => starts('kq-worker-fakeq_00') >= 2 && starts('kq-worker-fakeq_01') >= 2, text)
    const status = await supervisorctl(conf, 'status')
    assert.doesNotMatch(status, /FATAL|BACKOFF/, status)
    const blocks = new Set(text().split(/^start kq-worker-fakeq_0[01]\n/m).slice(1))
    assert.deepEqual(
      [...blocks],
      [
        [
          `cwd=${home} user=${user} NO_COLOR=1`,
          'arg=<work>',
          'arg=<fakeq>',
          'arg=<--memory=64>',
          'arg=<--brokers=127.0.0.1:1>',
          `arg=<--dotenv=${path.join(home, '.env prod')}>`,
          '',
        ].join('\n'),
      ],
    )
  })

  it('runs real kq workers that share the queue and stop gracefully on `supervisorctl stop`', async function () {
    this.timeout(180_000)
    const {root} = app({
      jobs: {
        Hello: jobSource('Hello', {
          body: '  async handle(payload: {n: number}, ctx: {log(line: string): void}): Promise<void> {\n    ctx.log(`hello ${payload.n}`)\n  }',
        }),
      },
    })
    const queue = await createQueue('sup', 2)
    // A group of their own, so that other tests' workers never rebalance them.
    const args = ['make:supervisor', queue, '--procs', '2', '--user', os.userInfo().username, '--group', `${queue}-workers`, '--from-beginning']
    const generated = await kq(args, {cwd: root})
    assert.equal(generated.code, 0, generated.stderr)
    const conf = startSupervisord(generated.stdout)
    const log = path.join(root, `kq-worker-${queue}.log`)
    const text = () => (existsSync(log) ? readFileSync(log, 'utf8') : '')
    // Each worker with one partition: the group has settled. A worker stopped while its group
    // rebalances may wait for the rebalance to end before it can leave.
    await waitFor('each worker to get a partition', () => count(text(), /^ {2}Partitions: \S+\[\d\] \S+-delay-\*\[\d\] \S+\[\d\]$/) === 2, text)
    for (let n = 1; n <= 4; n++) {
      const dispatched = await kq(['dispatch', 'Hello', JSON.stringify({n}), '--queue', queue, '--key', `k${n}`], {cwd: root})
      assert.equal(dispatched.code, 0, dispatched.stderr)
    }

    await waitFor('the 4 jobs to be done', () => count(text(), / DONE$/) === 4, text)
    assert.deepEqual(text().match(/hello \d/g)?.sort(), ['hello 1', 'hello 2', 'hello 3', 'hello 4'])
    await supervisorctl(conf, 'stop', 'all')
    assert.equal(count(text(), /Stopping \(signal received\): running jobs finish first\./), 2)
    const status = await supervisorctl(conf, 'status')
    assert.equal(count(status, /STOPPED/), 2, status)
    const events = readFileSync(path.join(dir, 'supervisord.log'), 'utf8')
    assert.equal(count(events, /stopped: kq-worker-\S+ \(exit status 0\)$/), 2, events)
  })
})
