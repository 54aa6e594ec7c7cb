import {strict as assert} from 'node:assert'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

import {ExitCode} from '../../../src/lib/errors.js'
import {DEFAULT_KAFKA_VERSION, stopLocalKafka} from '../../../src/lib/local-kafka/index.js'
import {kq} from '../../support/cli.js'
import {kcat, kcatMetadata} from '../../support/kcat.js'
import {JAR_CACHE, TEST_KAFKA_ROOT} from '../../support/paths.js'
import {freePortRange} from '../../support/ports.js'

/** kafka:* commands against a cluster folder of the test's own. */
function local(dir: string) {
  return (args: string[], env?: NodeJS.ProcessEnv) => kq([...args, '--dir', dir], {env, timeoutMs: 180_000})
}

const escaped = (text: string) => text.replaceAll('.', '\\.')

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('kq kafka:up, kafka:status and kafka:down', function () {
  this.timeout(180_000)
  const dir = path.join(TEST_KAFKA_ROOT, `lifecycle-${process.pid}`)
  const run = local(dir)
  let port: number
  let pid: number

  before(async () => {
    await stopLocalKafka({dir, purge: true})
    port = await freePortRange(2)
  })

  after(async () => {
    await stopLocalKafka({dir, purge: true})
  })

  // No --port: the port KAFKA_BROKERS names on this machine, so that .env and the local broker
  // agree (--port itself is checked where a taken port is refused, below).
  it('starts a real broker where KAFKA_BROKERS points, returns once it answers, and prints its address', async () => {
    const {code, stdout} = await run(['kafka:up', '--cache-dir', JAR_CACHE], {KAFKA_BROKERS: `127.0.0.1:${port}`})
    assert.equal(code, 0)
    assert.match(stdout, new RegExp(`Kafka ${escaped(DEFAULT_KAFKA_VERSION)} is running at 127\\.0\\.0\\.1:${port} \\(1 node`))
    // No export to paste: KAFKA_BROKERS already says it.
    assert.match(stdout, /\nKAFKA_BROKERS \(from the environment\) already points at it\.\n/)
    // Answered at once, by an independent client: no waiting after kafka:up returns.
    const metadata = await kcatMetadata(`127.0.0.1:${port}`)
    assert.equal(metadata.brokers.length, 1)
  })

  it('reports the running broker when started again, without starting another', async () => {
    const before = JSON.parse((await run(['kafka:status', '--json'])).stdout)
    pid = before.nodes[0].pid
    const {code, stdout} = await run(['kafka:up', '--port', String(port), '--json'])
    assert.equal(code, 0)
    const result = JSON.parse(stdout)
    assert.equal(result.alreadyRunning, true)
    assert.equal(result.nodes[0].pid, pid)
    assert.ok(isRunning(pid))
  })

  it('says where KAFKA_BROKERS points when not at the local Kafka, and the export that does', async () => {
    const elsewhere = await run(['kafka:status'], {KAFKA_BROKERS: 'kafka.example:9092'})
    assert.equal(elsewhere.code, 0, elsewhere.stderr)
    assert.ok(
      elsewhere.stdout.includes(`\nKAFKA_BROKERS (from the environment) points at kafka.example:9092, not here: point kq at it with export KAFKA_BROKERS=127.0.0.1:${port}\n`),
      elsewhere.stdout,
    )
  })

  it('shows a running, answering cluster in kafka:status', async () => {
    const {code, stdout} = await run(['kafka:status', '--json'])
    assert.equal(code, 0)
    const status = JSON.parse(stdout)
    assert.equal(status.health, 'running')
    assert.equal(status.bootstrap, `127.0.0.1:${port}`)
    assert.equal(status.kafkaVersion, DEFAULT_KAFKA_VERSION)
    assert.deepEqual(
      status.nodes.map((node: {running: boolean}) => node.running),
      [true],
    )
  })

  it('refuses other settings for a folder that holds a cluster', async () => {
    const {code, stderr} = await run(['kafka:up', '--nodes', '3'])
    assert.equal(code, ExitCode.LocalKafka)
    assert.match(stderr, new RegExp(`was set up as Kafka ${escaped(DEFAULT_KAFKA_VERSION)}, 1 node\\(s\\), port \\d+: run \`kq kafka:down --purge\``))
  })

  it("names another folder's local Kafka that holds the port, and how to stop it, writing nothing", async () => {
    const other = path.join(TEST_KAFKA_ROOT, `lifecycle-other-${process.pid}`)
    const {code, stderr} = await local(other)(['kafka:up', '--port', String(port), '--cache-dir', JAR_CACHE])
    assert.equal(code, ExitCode.LocalKafka)
    assert.equal(
      stderr.split('\n').filter((line) => line.startsWith('Error:')).join('\n'),
      `Error: port ${port} on 127.0.0.1 is taken by the local Kafka in ${dir}: stop it with \`kq kafka:down --dir ${dir}\`, or choose other ports with --port`,
    )
    assert.equal(existsSync(other), false)
  })

  it('stops cleanly with kafka:down and keeps the data', async () => {
    await kcat(['-b', `127.0.0.1:${port}`, '-P', '-t', 'kept', '-k', 'k'], 'still here\n')
    const {code, stdout} = await run(['kafka:down'])
    assert.equal(code, 0)
    assert.equal(stdout, 'Stopped local Kafka (1 node).\n')
    assert.equal(isRunning(pid), false)
    assert.ok(existsSync(path.join(dir, 'node-1', 'data', 'meta.properties')))
    const status = JSON.parse((await run(['kafka:status', '--json'])).stdout)
    assert.equal(status.health, 'stopped')
  })

  it('says so when kafka:down finds nothing running, and exits 0', async () => {
    const {code, stdout} = await run(['kafka:down'])
    assert.equal(code, 0)
    assert.equal(stdout, 'Local Kafka is not running.\n')
  })

  // On the stopped broker's formatted storage, so that the hanging start skips the storage tool.
  it('gives up after --timeout, names the log, and leaves nothing running', async () => {
    // The JVM honours JAVA_TOOL_OPTIONS: waiting for a debugger, the broker never answers.
    // The jar cache named: Maven, a JVM too, would wait for the debugger as well.
    const {code, stderr} = await run(['kafka:up', '--timeout', '2', '--cache-dir', JAR_CACHE], {
      JAVA_TOOL_OPTIONS: '-agentlib:jdwp=transport=dt_socket,server=y,suspend=y,address=127.0.0.1:0',
    })
    assert.equal(code, ExitCode.LocalKafka)
    const logFile = path.join(dir, 'node-1', 'server.log')
    assert.match(stderr, new RegExp(`Error: local Kafka did not answer within 2s: it was stopped; see ${logFile}`))
    assert.match(readFileSync(logFile, 'utf8'), /Listening for transport dt_socket/)
    const status = JSON.parse((await run(['kafka:status', '--json'])).stdout)
    assert.equal(status.health, 'stopped')
  })

  it('starts again on the same data, with its messages', async () => {
    assert.equal((await run(['kafka:up'])).code, 0)
    const messages = await kcat(['-b', `127.0.0.1:${port}`, '-C', '-t', 'kept', '-e', '-f', '%k=%s\n'])
    assert.equal(messages, 'k=still here\n')
  })

  it('deletes its data and logs with kafka:down --purge', async () => {
    const {code, stdout} = await run(['kafka:down', '--purge'])
    assert.equal(code, 0)
    assert.match(stdout, /^Stopped local Kafka \(1 node\)\.\nDeleted /)
    assert.equal(existsSync(dir), false)
    const {stdout: status} = await run(['kafka:status'])
    assert.match(status, /^No local Kafka in .*: start one with `kq kafka:up`\./)
  })
})

describe('kq kafka:up when it cannot start', function () {
  this.timeout(180_000)
  const dir = path.join(TEST_KAFKA_ROOT, `failures-${process.pid}`)
  const run = local(dir)

  afterEach(async () => {
    await stopLocalKafka({dir, purge: true})
  })

  /** A PATH holding only the given programs (and node, which kq itself needs). */
  function pathWith(...programs: string[]): string {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'kq-path-'))
    for (const program of ['node', ...programs]) {
      const target = program === 'node' ? process.execPath : path.join('/usr/bin', program)
      symlinkSync(target, path.join(bin, program))
    }

    return bin
  }

  it('names the port that is taken and how to choose another', async () => {
    const port = await freePortRange(2)
    const blocker = net.createServer().listen(port, '127.0.0.1')
    try {
      const {code, stderr} = await run(['kafka:up', '--port', String(port), '--cache-dir', JAR_CACHE])
      assert.equal(code, ExitCode.LocalKafka)
      assert.equal(
        stderr.split('\n').filter((line) => line.startsWith('Error:')).join('\n'),
        `Error: port ${port} on 127.0.0.1 is already in use by another program: stop it, or choose other ports with --port`,
      )
    } finally {
      blocker.close()
    }
  })

  it('finds a taken port before it downloads the jars of a first start', async () => {
    const port = await freePortRange(2)
    const emptyCache = mkdtempSync(path.join(os.tmpdir(), 'kq-cache-'))
    const blocker = net.createServer().listen(port, '127.0.0.1')
    try {
      // Without Maven, a download would fail with its own error.
      const {code, stderr} = await run(['kafka:up', '--port', String(port), '--cache-dir', emptyCache], {PATH: pathWith('java'), JAVA_HOME: ''})
      assert.equal(code, ExitCode.LocalKafka)
      assert.equal(stderr, `Error: port ${port} on 127.0.0.1 is already in use by another program: stop it, or choose other ports with --port\n`)
      assert.deepEqual(readdirSync(emptyCache), [])
    } finally {
      blocker.close()
    }
  })

  it('says Java is missing and how to install it', async () => {
    const {code, stderr} = await run(['kafka:up', '--port', String(await freePortRange(2))], {
      PATH: pathWith(),
      JAVA_HOME: '',
    })
    assert.equal(code, ExitCode.LocalKafka)
    assert.equal(
      stderr,
      'Error: Java was not found (looked in JAVA_HOME and PATH): install a JDK 17 or newer (e.g. `apt-get install openjdk-17-jre-headless`) or set JAVA_HOME\n',
    )
  })

  it('says Maven is missing when a Kafka version must be downloaded', async () => {
    const emptyCache = mkdtempSync(path.join(os.tmpdir(), 'kq-cache-'))
    const {code, stderr} = await run(
      ['kafka:up', '--port', String(await freePortRange(2)), '--cache-dir', emptyCache],
      {PATH: pathWith('java'), JAVA_HOME: ''},
    )
    assert.equal(code, ExitCode.LocalKafka)
    assert.equal(
      stderr,
      `Error: Maven (mvn) was not found on PATH: it is needed once, to fetch the Kafka ${DEFAULT_KAFKA_VERSION} jars; install it (e.g. \`apt-get install maven\`)\n`,
    )
  })

  it('says Maven could not resolve a Kafka version that does not exist, with its log', async () => {
    const emptyCache = mkdtempSync(path.join(os.tmpdir(), 'kq-cache-'))
    const {code, stderr} = await run([
      'kafka:up',
      '--kafka-version',
      '0.0.1',
      '--port',
      String(await freePortRange(2)),
      '--cache-dir',
      emptyCache,
    ])
    assert.equal(code, ExitCode.LocalKafka)
    const error = stderr.split('\n').find((line) => line.startsWith('Error:')) ?? ''
    assert.match(error, /^Error: Maven could not resolve Kafka 0\.0\.1 \(.+\): check --kafka-version/)
    const log = /Maven's log: (\S+)$/.exec(error)?.[1]
    assert.ok(log && existsSync(log), `Maven's log ${log} is missing`)
  })

  it('refuses a malformed --kafka-version as a usage error', async () => {
    const {code, stderr} = await run(['kafka:up', '--kafka-version', 'latest'])
    assert.equal(code, ExitCode.Usage)
    assert.equal(stderr, 'Error: --kafka-version must look like 4.4.0, got "latest"\n')
  })
})

describe('kq kafka:status with a folder made elsewhere', () => {
  it('keeps the folder argument relative to where it runs', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'kq-cwd-'))
    mkdirSync(path.join(cwd, 'sub'))
    const {code, stdout} = await kq(['kafka:status', '--dir', 'sub/kafka'], {cwd})
    assert.equal(code, 0)
    assert.equal(stdout, 'No local Kafka in sub/kafka: start one with `kq kafka:up`.\n')
  })
})
