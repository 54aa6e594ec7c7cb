import {strict as assert} from 'node:assert'
import {createHash} from 'node:crypto'
import {mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import path from 'node:path'

import {ExitCode} from '../src/lib/errors.js'
import {type TestApp, jobSource, makeTestApp} from './support/app.js'
import {kq, uniqueTopic} from './support/cli.js'
import {closedPort} from './support/ports.js'
import {createQueue, endOffsetTotal, testBrokers} from './support/topics.js'

/**
 * The bad-input corpus: every way of getting a command wrong that a user, a script or a broken
 * environment produces, each answered the same way: one line on stderr, the documented exit
 * code, no stack trace, and nothing written (no message on any of the queue's topics, no file
 * in the application changed).
 */
interface BadInput {
  what: string
  args: string[] | ((context: Context) => string[])
  code: number
  /** What the one line says. */
  says: RegExp
  /** Written to the application's .env before the command runs (its own settings otherwise). */
  env?: Record<string, string>
  /** Passed as the command's environment on top of the test's. */
  environment?: NodeJS.ProcessEnv
  stdin?: string
}

interface Context {
  queue: string
  closed: number
  silent: number
}

const E = ExitCode
const JOB_ID = '01a2198a-0000-7000-8000-000000000000'

const CORPUS: BadInput[] = [
  // Payloads and dispatch input
  {what: 'a payload that is not JSON', args: ({queue}) => ['dispatch', 'Hello', '{"a":', '--queue', queue], code: E.Usage, says: /^payload is not valid JSON at line 1, column 6/},
  {what: 'a payload with a trailing comma', args: ({queue}) => ['dispatch', 'Hello', '{"a":1,}', '--queue', queue], code: E.Usage, says: /^payload is not valid JSON/},
  {what: 'a payload on stdin that is not JSON', args: ({queue}) => ['dispatch', 'Hello', '-', '--queue', queue], stdin: 'nope', code: E.Usage, says: /^payload \(from stdin\) is not valid JSON/},
  {what: 'an unknown job', args: ({queue}) => ['dispatch', 'NoSuchJob', '{}', '--queue', queue], code: E.Usage, says: /^unknown job "NoSuchJob"/},
  {what: 'a job name in the wrong case', args: ({queue}) => ['dispatch', 'hello', '{}', '--queue', queue], code: E.Usage, says: /^unknown job "hello".*did you mean Hello/},
  {what: 'a negative --delay', args: ({queue}) => ['dispatch', 'Hello', '{}', '--queue', queue, '--delay', '-5'], code: E.Usage, says: /^--delay must not be negative/},
  {what: 'a --delay that is not a duration', args: ({queue}) => ['dispatch', 'Hello', '{}', '--queue', queue, '--delay', 'soon'], code: E.Usage, says: /^--delay must be seconds or a duration/},
  {what: 'a --delay beyond 90 days', args: ({queue}) => ['dispatch', 'Hello', '{}', '--queue', queue, '--delay', '100d'], code: E.Usage, says: /longer than the maximum of 90 days/},
  {what: 'an --at in the past', args: ({queue}) => ['dispatch', 'Hello', '{}', '--queue', queue, '--at', '2020-01-01T00:00:00Z'], code: E.Usage, says: /^--at .* is in the past/},
  {what: 'an --at that is not a time', args: ({queue}) => ['dispatch', 'Hello', '{}', '--queue', queue, '--at', 'tomorrow'], code: E.Usage, says: /^--at must be an ISO-8601 date and time/},
  {what: 'an --at without a timezone', args: ({queue}) => ['dispatch', 'Hello', '{}', '--queue', queue, '--at', '2030-01-01T09:00:00'], code: E.Usage, says: /has no timezone/},
  {what: '--delay and --at together', args: ({queue}) => ['dispatch', 'Hello', '{}', '--queue', queue, '--delay', '5', '--at', '2030-01-01T00:00:00Z'], code: E.Usage, says: /^give either --delay or --at, not both$/},
  {what: 'a --header without a value', args: ({queue}) => ['dispatch', 'Hello', '{}', '--queue', queue, '--header', 'novalue'], code: E.Usage, says: /^--header must look like name=value/},
  {what: 'a queue name with a space', args: ['dispatch', 'Hello', '{}', '--queue', 'bad name'], code: E.Usage, says: /^queue must be a Kafka topic name/},
  {what: 'an empty --key, as an unset shell variable gives it', args: ({queue}) => ['dispatch', 'Hello', '{}', '--queue', queue, '--key', ''], code: E.Usage, says: /^--key must not be empty/},
  {what: 'an --ndjson file that does not exist', args: ({queue}) => ['dispatch', 'Hello', '--ndjson', 'missing.ndjson', '--queue', queue], code: E.Usage, says: /^cannot read missing\.ndjson/},
  {what: 'an --ndjson file with one bad line', args: ({queue}) => ['dispatch', 'Hello', '--ndjson', 'jobs.ndjson', '--queue', queue], code: E.Usage, says: /line 2/},
  {what: 'a --file that does not exist', args: ({queue}) => ['dispatch', 'Hello', '--file', 'missing.json', '--queue', queue], code: E.Usage, says: /^cannot read missing\.json/},
  {what: 'a queue without topics', args: () => ['dispatch', 'Hello', '{}', '--queue', uniqueTopic('nosuch')], code: E.KafkaRefused, says: /^topic \S+ does not exist: create it with `kq topic:create \S+`$/},
  {what: "a queue's dead-letter topic as the queue", args: ({queue}) => ['dispatch', 'Hello', '{}', '--queue', `${queue}-dlt`], code: E.Usage, says: /^\S+-dlt is the dead-letter topic of queue \S+, not a queue: dispatch to \S+$/},
  // The worker's flags
  {what: '--concurrency 0', args: ({queue}) => ['work', queue, '--concurrency', '0'], code: E.Usage, says: /^Parsing --concurrency: Expected an integer greater than or equal to 1/},
  {what: '--concurrency that is not a number', args: ({queue}) => ['work', queue, '--concurrency', 'many'], code: E.Usage, says: /^Parsing --concurrency: Expected an integer/},
  {what: '--tries 0', args: ({queue}) => ['work', queue, '--tries', '0'], code: E.Usage, says: /^Parsing --tries/},
  {what: 'a --backoff that is not seconds', args: ({queue}) => ['work', queue, '--backoff', '1,x'], code: E.Usage, says: /^--backoff must be seconds/},
  {what: 'a negative --timeout', args: ({queue}) => ['work', queue, '--timeout', '-1'], code: E.Usage, says: /^Parsing --timeout/},
  {what: 'a --memory too small to run', args: ({queue}) => ['work', queue, '--memory', '1'], code: E.Usage, says: /^Parsing --memory: Expected an integer greater than or equal to 16/},
  {what: 'a --session-timeout under Kafka\'s minimum', args: ({queue}) => ['work', queue, '--session-timeout', '3'], code: E.Usage, says: /^Parsing --session-timeout/},
  {what: '--prefetch 0', args: ({queue}) => ['work', queue, '--prefetch', '0'], code: E.Usage, says: /^Parsing --prefetch/},
  {what: 'a negative --unknown-job-grace', args: ({queue}) => ['work', queue, '--unknown-job-grace', '-1'], code: E.Usage, says: /^Parsing --unknown-job-grace/},
  {what: 'a flag that does not exist', args: ({queue}) => ['work', queue, '--frobnicate'], code: E.Usage, says: /^Nonexistent flag: --frobnicate/},
  {what: 'a --group Kafka would refuse', args: ({queue}) => ['work', queue, '--group', 'bad!group'], code: E.Usage, says: /^--group must be a name of letters/},
  {what: 'a queue name with a space to work', args: ['work', 'bad name'], code: E.Usage, says: /^queue must be a Kafka topic name/},
  {what: 'a queue to work without topics', args: () => ['work', uniqueTopic('nosuch')], code: E.KafkaRefused, says: /does not exist: create it with `kq topic:create/},
  {what: 'a --jobs-dir that does not exist', args: ({queue}) => ['work', queue, '--jobs-dir', 'src/jbos'], code: E.Config, says: /^the jobs folder src\/jbos does not exist: set KQ_JOBS_DIR or --jobs-dir/},
  {what: 'a KQ_JOBS_DIR that does not exist', args: ({queue}) => ['work', queue], env: {KQ_JOBS_DIR: 'src/jbos'}, code: E.Config, says: /^the jobs folder src\/jbos does not exist/},
  {what: 'a queue named twice to work', args: ({queue}) => ['work', `${queue},${queue}`], code: E.Usage, says: /names a queue twice/},
  {what: '-v and -q together', args: ({queue}) => ['work', queue, '-v', '-q'], code: E.Usage, says: /^--quiet=true cannot also be provided when using --verbose \(see `kq work --help`\)$/},
  {what: 'a switch given a value, as --json=true', args: ({queue}) => ['status', queue, '--json=true'], code: E.Usage, says: /^--json takes no value: give --json alone, or leave it out for false \(got --json=true\)$/},
  {what: 'a switch of the command given a value', args: ({queue}) => ['work', queue, '--stop-when-empty=false'], code: E.Usage, says: /^--stop-when-empty takes no value: give --stop-when-empty alone/},
  {what: 'an empty argument to a command that takes none, as an unset shell variable gives it', args: ['restart', ''], code: E.Usage, says: /^Unexpected argument: "" \(see `kq restart --help`\)$/},
  {what: 'an empty queue to pause', args: ['pause', ''], code: E.Usage, says: /^queue must be a Kafka topic name .*got ""$/},
  {what: 'a status --interval without --watch', args: ({queue}) => ['status', queue, '--interval', '3'], code: E.Usage, says: /^All of the following must be provided when using --interval: --watch \(see `kq status --help`\)$/},
  // Topics
  {what: '--partitions 0', args: () => ['topic:create', uniqueTopic('bad'), '--partitions', '0'], code: E.Usage, says: /^Parsing --partitions/},
  {what: '--replication-factor 0', args: () => ['topic:create', uniqueTopic('bad'), '--replication-factor', '0'], code: E.Usage, says: /^Parsing --replication-factor/},
  {what: 'a topic name with a space', args: ['topic:create', 'no spaces'], code: E.Usage, says: /^the topic argument must be a Kafka topic name/},
  {what: "a queue named like kq's retry topics", args: () => ['topic:create', `${uniqueTopic('q')}-retry`], code: E.Usage, says: /ends like kq's retry topic of queue/},
  {what: 'more replicas than brokers', args: () => ['topic:create', uniqueTopic('rf'), '--replication-factor', '3'], code: E.Config, says: /^replication factor 3 is more than the 1 broker\(s\)/},
  // .env values
  {what: 'KAFKA_PARTITIONS that is not a number', args: ['topic:list'], env: {KAFKA_PARTITIONS: 'abc'}, code: E.Config, says: /^KAFKA_PARTITIONS \(from \.env\) must be a positive integer, got "abc"$/},
  {what: 'KAFKA_BROKERS without a port', args: ['topic:list'], env: {KAFKA_BROKERS: 'kafka'}, code: E.Config, says: /^KAFKA_BROKERS \(from \.env\) must be a comma-separated list of host:port/},
  {what: 'KAFKA_BROKERS with a port out of range', args: ['topic:list'], env: {KAFKA_BROKERS: 'kafka:99999'}, code: E.Config, says: /^KAFKA_BROKERS \(from \.env\)/},
  {what: 'KAFKA_CONNECT_TIMEOUT 0', args: ['topic:list'], env: {KAFKA_CONNECT_TIMEOUT: '0'}, code: E.Config, says: /^KAFKA_CONNECT_TIMEOUT \(from \.env\) must be a positive integer/},
  {what: 'KAFKA_SSL that is not a boolean', args: ['topic:list'], env: {KAFKA_SSL: 'maybe'}, code: E.Config, says: /^KAFKA_SSL \(from \.env\) must be true or false/},
  {what: 'an unknown SASL mechanism', args: ['topic:list'], env: {KAFKA_SASL_MECHANISM: 'kerberos'}, code: E.Config, says: /^KAFKA_SASL_MECHANISM \(from \.env\) must be one of plain, scram-sha-256, scram-sha-512/},
  {what: 'a SASL mechanism without a user', args: ['topic:list'], env: {KAFKA_SASL_MECHANISM: 'plain'}, code: E.Config, says: /^KAFKA_SASL_USERNAME must be set when KAFKA_SASL_MECHANISM is set$/},
  {what: 'a SASL user without a mechanism', args: ['topic:list'], env: {KAFKA_SASL_USERNAME: 'app', KAFKA_SASL_PASSWORD: 'app-secret'}, code: E.Config, says: /^KAFKA_SASL_USERNAME \(from \.env\) is set but KAFKA_SASL_MECHANISM is not: set it to plain, scram-sha-256, scram-sha-512$/},
  {what: 'a CA file that does not exist', args: ['topic:list'], env: {KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: 'missing-ca.pem'}, code: E.Config, says: /^KAFKA_SSL_CA_FILE \(from \.env\) names missing-ca\.pem, which cannot be read \(no such file\): check the path$/},
  {what: 'a CA file without KAFKA_SSL', args: ['topic:list'], env: {KAFKA_SSL_CA_FILE: 'missing-ca.pem'}, code: E.Config, says: /^KAFKA_SSL_CA_FILE \(from \.env\) is set but KAFKA_SSL is not true: set KAFKA_SSL=true/},
  {what: 'a client certificate without its key', args: ['topic:list'], env: {KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: 'client.pem'}, code: E.Config, says: /^KAFKA_SSL_CERT_FILE \(from \.env\) needs KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE together/},
  {what: 'a consumer group Kafka would refuse', args: ['topic:list'], env: {KAFKA_CONSUMER_GROUP: 'bad group'}, code: E.Config, says: /^KAFKA_CONSUMER_GROUP \(from \.env\)/},
  {what: 'a negative message size limit', args: ['topic:list'], env: {KQ_MAX_MESSAGE_BYTES: '-1'}, code: E.Config, says: /^KQ_MAX_MESSAGE_BYTES \(from \.env\)/},
  {what: 'a default queue name with a space', args: ['topic:list'], env: {KAFKA_QUEUE: 'bad name'}, code: E.Config, says: /^KAFKA_QUEUE \(from \.env\) must be a Kafka topic name/},
  {what: 'a replication factor of 0', args: ['topic:list'], env: {KAFKA_REPLICATION_FACTOR: '0'}, code: E.Config, says: /^KAFKA_REPLICATION_FACTOR \(from \.env\)/},
  {what: 'min.insync.replicas above the replication factor', args: ['topic:create'], env: {KAFKA_MIN_INSYNC_REPLICAS: '2'}, code: E.Config, says: /^KAFKA_MIN_INSYNC_REPLICAS \(from \.env\) is 2, more than the replication factor 1 \(KAFKA_REPLICATION_FACTOR\): Kafka would refuse every write/},
  {what: 'a client id with a space', args: ['topic:list'], env: {KAFKA_CLIENT_ID: 'my app'}, code: E.Config, says: /^KAFKA_CLIENT_ID \(from \.env\)/},
  {what: 'an encryption key that is not 32 bytes in base64', args: ['topic:list'], env: {KQ_ENCRYPTION_KEY: 'hunter2-not-a-key'}, code: E.Config, says: /^KQ_ENCRYPTION_KEY \(from \.env\) must be 32 random bytes in base64, as `openssl rand -base64 32` prints them \(the value is not shown\)$/},
  {what: 'an env file that does not exist', args: ['topic:list', '--dotenv', 'missing.env'], code: E.Config, says: /^env file missing\.env does not exist: check --dotenv/},
  {what: 'an env file that is a folder', args: ['topic:list', '--dotenv', 'src'], code: E.Config, says: /^cannot read env file \S+src: /},
  {what: 'a bad value in the environment', args: ['topic:list'], environment: {KAFKA_PARTITIONS: 'x'}, code: E.Config, says: /^KAFKA_PARTITIONS \(from the environment\)/},
  // Brokers that are down, wrong, not Kafka, or secured differently
  {what: 'a broker that is down', args: ({closed}) => ['topic:list', '--brokers', `127.0.0.1:${closed}`], code: E.Unreachable, says: /connection refused/},
  {what: 'a broker host that does not resolve', args: ['topic:list', '--brokers', 'no-such-host.invalid:9092'], environment: {KAFKA_CONNECT_TIMEOUT: '3'}, code: E.Unreachable, says: /(host not found|host name lookup failed)/},
  {what: 'a port that is not Kafka', args: ({silent}) => ['topic:list', '--brokers', `127.0.0.1:${silent}`], environment: {KAFKA_CONNECT_TIMEOUT: '2'}, code: E.Unreachable, says: /accepted the connection but did not answer as Kafka within 2s/},
  {what: 'TLS to a plaintext listener', args: ['topic:list'], environment: {KAFKA_SSL: 'true', KAFKA_CONNECT_TIMEOUT: '2'}, code: E.Unreachable, says: /not the TLS handshake/},
  {what: 'SASL to a listener without it', args: ['topic:list'], environment: {KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p'}, code: E.KafkaRefused, says: /^Kafka does not take SASL/},
  {what: 'a dispatch to a broker that is down', args: ({queue, closed}) => ['dispatch', 'Hello', '{}', '--queue', queue, '--brokers', `127.0.0.1:${closed}`], code: E.Unreachable, says: /^cannot reach Kafka at 127\.0\.0\.1:\d+ \(connection refused\)/},
  // Job scaffolding
  {what: 'a job name that is not PascalCase', args: ['make:job', 'send_email'], code: E.Usage, says: /must be a PascalCase class name: try SendEmail/},
  {what: 'a job name that would hide Job', args: ['make:job', 'Job'], code: E.Usage, says: /would hide kq's Job/},
  {what: 'a job that exists, without --force', args: ['make:job', 'Hello'], code: E.Usage, says: /Hello\.ts already exists: pass --force/},
  {what: 'a job name that is a path', args: ['make:job', '../Escape'], code: E.Usage, says: /must be a class name, not a path/},
  {what: 'a job name of a JavaScript built-in', args: ['make:job', 'Promise'], code: E.Usage, says: /would hide JavaScript's own Promise/},
  // Dead letters
  {what: 'an id no dead letter has', args: ({queue}) => ['dlt:show', JOB_ID, '--queue', queue], code: E.Usage, says: /^no dead letter has id/},
  {what: 'a replay without --yes in a script', args: ({queue}) => ['dlt:replay', queue], code: E.Usage, says: /needs a confirmation, and there is no terminal/},
  {what: 'a purge without --yes in a script', args: ({queue}) => ['dlt:purge', queue], code: E.Usage, says: /needs a confirmation, and there is no terminal/},
  {what: 'a --since that is not a time', args: ({queue}) => ['dlt:list', queue, '--since', 'lately'], code: E.Usage, says: /^--since must be a duration/},
  {what: 'a --reason kq does not use', args: ({queue}) => ['dlt:list', queue, '--reason', 'bored'], code: E.Usage, says: /to be one of: exhausted, fatal, timeout, malformed, unknown-job/},
  {what: 'an empty --job, as an unset shell variable gives it', args: ({queue}) => ['dlt:purge', queue, '--job', '', '--yes'], code: E.Usage, says: /^--job must not be empty/},
  {what: 'an empty --id', args: ({queue}) => ['dlt:list', queue, '--id', ''], code: E.Usage, says: /^--id must not be empty/},
  {what: '--limit 0', args: ({queue}) => ['dlt:purge', queue, '--limit', '0', '--yes'], code: E.Usage, says: /^Parsing --limit/},
  // Monitoring, process managers, control, commands
  {what: 'a --max-lag that is not a number', args: ({queue}) => ['status', queue, '--max-lag', 'lots'], code: E.Usage, says: /^Parsing --max-lag/},
  {what: 'a make:supervisor --jobs-dir that does not exist', args: ['make:supervisor', '--jobs-dir', 'src/jbos', '--user', 'deploy'], code: E.Config, says: /^the jobs folder src\/jbos does not exist/},
  {what: 'a dashboard --host that does not resolve', args: ['dashboard', '--host', 'no-such-host.invalid'], code: E.Usage, says: /^host name no-such-host\.invalid does not resolve: check --host/},
  {what: '--procs 0', args: ['make:supervisor', '--procs', '0'], code: E.Usage, says: /^Parsing --procs/},
  {what: 'a pause without its queue', args: ['pause'], code: E.Usage, says: /^Missing 1 required arg: queue \(The queue to pause\.\) \(see `kq pause --help`\)$/},
  {what: 'a pause of a queue that does not exist', args: () => ['pause', uniqueTopic('nosuch')], code: E.KafkaRefused, says: /does not exist/},
  {what: 'a command that does not exist', args: ['frobnicate'], code: 127, says: /^frobnicate is not a kq command/},
  {what: 'a mistyped command', args: ['dispatchh'], code: 127, says: /^dispatchh is not a kq command: did you mean `kq dispatch`\?$/},
]

/** Every file of a folder with its content's hash: what "nothing written" compares. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>()
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      if (name === 'node_modules') continue
      const file = path.join(folder, name)
      if (statSync(file).isDirectory()) walk(file)
      else files.set(path.relative(dir, file), createHash('sha256').update(readFileSync(file)).digest('hex'))
    }
  }

  walk(dir)
  return files
}

describe(`bad input: ${CORPUS.length} cases, each one line, its exit code, no trace, nothing written`, function () {
  this.timeout(60_000)
  let app: TestApp
  let context: Context
  let server: net.Server

  before(async () => {
    app = makeTestApp({jobs: {Hello: jobSource('Hello')}})
    mkdirSync(path.join(app.root, 'src'), {recursive: true})
    writeFileSync(path.join(app.root, 'jobs.ndjson'), '{"a":1}\n{"a":\n')
    server = net.createServer(() => {})
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    context = {queue: await createQueue('bad-input'), closed: await closedPort(), silent: (server.address() as net.AddressInfo).port}
  })

  after(() => {
    server?.close()
    app?.remove()
  })

  for (const each of CORPUS) {
    it(each.what, async () => {
      const envFile = path.join(app.root, '.env')
      const settings = {KAFKA_BROKERS: testBrokers(), KQ_JOBS_DIR: 'src/jobs', ...each.env}
      writeFileSync(envFile, Object.entries(settings).map(([name, value]) => `${name}=${value}\n`).join(''))
      const args = typeof each.args === 'function' ? each.args(context) : each.args
      const before = snapshot(app.root)
      const written = await endOffsetTotal(context.queue)
      // The test's own Kafka settings stay out (an empty variable counts as unset): the
      // application's .env is what the command reads.
      const environment = Object.fromEntries(Object.keys(process.env).filter((name) => /^(KAFKA|KQ)_/.test(name)).map((name) => [name, '']))
      const {code, stdout, stderr} = await kq(args, {cwd: app.root, env: {...environment, ...each.environment}, input: each.stdin})
      assert.equal(code, each.code, `exit code; stderr: ${stderr}`)
      assert.match(stderr, /^Error: [^\n]+\n$/, 'one line on stderr')
      assert.match(stderr.slice('Error: '.length).trimEnd(), each.says)
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace')
      assert.equal(stdout, '', 'nothing on stdout')
      assert.deepEqual(snapshot(app.root), before, 'no file changed')
      assert.equal(await endOffsetTotal(context.queue), written, 'no message sent to the queue')
    })
  }
})
