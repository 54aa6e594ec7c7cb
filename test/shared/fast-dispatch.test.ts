import {strict as assert} from 'node:assert'
import {execFile} from 'node:child_process'
import net from 'node:net'
import path from 'node:path'

import {type TestApp, jobSource, makeTestApp} from '../support/app.js'
import {type CliResult, envFile, kq} from '../support/cli.js'
import {REPO_ROOT} from '../support/paths.js'
import {closedPort} from '../support/ports.js'
import {schemaJobSource} from '../support/schema-job.js'
import {createQueue, kcatRecords} from '../support/topics.js'

const reporter = path.join(REPO_ROOT, 'dist', 'test', 'support', 'report-loaded-modules.js')
const throughOclif = path.join(REPO_ROOT, 'dist', 'test', 'support', 'oclif-run.js')

/** What differs from one run to the next: job ids, partitions, offsets and due times. */
function comparable({code, stdout, stderr}: CliResult): CliResult {
  const vary = (text: string) =>
    text
      .replaceAll(/[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}/g, '<id>')
      .replaceAll(/("?(?:partition|offset)"?[:\s]+)\d+/g, '$1<n>')
      .replaceAll(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>')
      // A bulk dispatch's time and rate.
      .replaceAll(/in [\d.]+s \([\d,]+ jobs\/s\)/g, 'in <s>')
      .replaceAll(/("(?:seconds|rate)": )[\d.e-]+/g, '$1<n>')
  return {code, stdout: vary(stdout), stderr: vary(stderr)}
}

describe('kq dispatch without oclif', function () {
  this.timeout(120_000)
  let app: TestApp
  let queue: string

  before(async () => {
    app = makeTestApp({
      jobs: {SendEmail: jobSource('SendEmail'), Signup: schemaJobSource('Signup', '/dev/null')},
      files: {
        'mail.json': '{"to":"a@example.com"}',
        'mails.ndjson': '{"to":"a@example.com","user":"1"}\n\n{"to":"b@example.com","user":"2"}\n',
        'bad.ndjson': '{"to":"a@example.com"}\n{"to":\n',
        'signups.ndjson': '{"name":"Ada"}\n{"name":42}\n',
      },
    })
    queue = await createQueue('fast-dispatch', 3)
  })

  after(() => app.remove())

  /** The same command line through bin/run.js (which must skip oclif for it) and through oclif. */
  async function bothWays(args: string[], input = ''): Promise<{fast: CliResult; oclif: CliResult}> {
    const fast = await kq(['dispatch', ...args], {cwd: app.root, nodeArgs: ['--import', reporter], input})
    assert.match(fast.stderr, /^loaded @oclif\/core: 0$/m, `oclif was loaded for: ${args.join(' ')}`)
    const stderr = fast.stderr.replaceAll(/^loaded .*\n/gm, '')
    const oclif = await new Promise<CliResult>((resolve) => {
      const child = execFile(process.execPath, ['--', throughOclif, 'dispatch', ...args], {cwd: app.root, env: {...process.env, NO_COLOR: '1'}}, (error, stdout, stderr) =>
        resolve({code: error ? Number(error.code) : 0, stdout, stderr}),
      )
      child.stdin?.end(input)
    })
    return {fast: {...fast, stderr}, oclif}
  }

  it('sends the job and prints what oclif prints, as text and as JSON', async () => {
    const lines = [
      ['SendEmail', '{"to":"a@example.com"}', '--queue', queue],
      ['SendEmail', '--file', 'mail.json', '--queue', queue, '--key', 'user-1', '-H', 'trace=abc', '--json'],
      ['SendEmail', '-', `--queue=${queue}`, '--delay', '10m'],
    ]
    for (const args of lines) {
      const {fast, oclif} = await bothWays(args, '{"to":"b@example.com"}')
      assert.equal(fast.code, 0, fast.stderr)
      assert.deepEqual(comparable(fast), comparable(oclif), args.join(' '))
    }

    // Every run sent its job: the queue has the first two lines' from each path (the third waits on a delay topic).
    assert.equal((await kcatRecords(queue)).length, 4)
  })

  // Node spends about a millisecond on each ES module it loads, whatever its size: the dispatch's
  // steps, kq's entry (which the job file imports) and the Kafka adapter were some forty files.
  it("loads its own steps, the job file's kq and the Kafka adapter from a handful of kq's files", async () => {
    const {code, stderr} = await kq(['dispatch', 'SendEmail', '{"to":"a@example.com"}', '--queue', queue], {cwd: app.root, nodeArgs: ['--import', reporter]})
    assert.equal(code, 0, stderr)
    const files = Number(/^loaded kq bundle files: (\d+)$/m.exec(stderr)?.[1])
    assert.ok(files > 0 && files <= 12, `${files} of kq's bundle files loaded`)
  })

  it('sends the jobs of an NDJSON file or stdin and prints what oclif prints, as text and as JSON', async () => {
    const lines = [
      ['SendEmail', '--ndjson', 'mails.ndjson', '--queue', queue, '--key-field', 'user'],
      ['SendEmail', '--ndjson', '-', `--queue=${queue}`, '--batch-size', '1', '--json'],
    ]
    const before = (await kcatRecords(queue)).length
    for (const args of lines) {
      const {fast, oclif} = await bothWays(args, '{"to":"c@example.com"}\n{"to":"d@example.com"}')
      assert.equal(fast.code, 0, fast.stderr)
      assert.deepEqual(comparable(fast), comparable(oclif), args.join(' '))
    }

    // Each path sent both lines of each source, the file's keyed by their user field.
    const records = await kcatRecords(queue)
    assert.equal(records.length, before + 8)
    assert.deepEqual(
      ['1', '2'].map((key) => records.filter((record) => record.key === key).length),
      [2, 2],
    )
    assert.equal(records.filter((record) => record.payload.includes('d@example.com')).length, 2)
  })

  it('fails as oclif does: the same one line, exit code and JSON error, nothing sent', async () => {
    const env = envFile({KAFKA_PARTITIONS: 'many'})
    const lines = [
      ['SendEmail', '{"to":', '--queue', queue],
      ['SendEmial', '{}', '--queue', queue],
      ['SendEmial', '{}', '--queue', queue, '--json'],
      ['SendEmail', '{}', '--queue', queue, '--delay', 'soon'],
      ['SendEmail', '{}', '--queue', `${queue}-missing`],
      ['SendEmail', '{}', '--queue', queue, '--brokers', `127.0.0.1:${await closedPort()}`],
      ['SendEmail', '{}', '--queue', queue, '--dotenv', env],
      ['Signup', '{"name":42}', '--queue', queue],
      ['SendEmail', '--file', 'missing.json', '--queue', queue],
      ['SendEmail', '--ndjson', 'bad.ndjson', '--queue', queue],
      ['Signup', '--ndjson', 'signups.ndjson', '--queue', queue, '--json'],
      ['SendEmail', '--ndjson', 'missing.ndjson', '--queue', queue, '--key-field', 'user'],
    ]
    const before = (await kcatRecords(queue)).length
    for (const args of lines) {
      const {fast, oclif} = await bothWays(args)
      assert.notEqual(fast.code, 0, args.join(' '))
      assert.deepEqual(comparable(fast), comparable(oclif), args.join(' '))
    }

    assert.equal((await kcatRecords(queue)).length, before)
  })

  it('ends once it has said a port is not Kafka, rather than when kafkajs stops retrying it', async () => {
    const silent = net.createServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const brokers = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`
      // kafkajs's retries of the producer's connection last over 30 s: a process they held open is killed first.
      const {code, stderr} = await kq(['dispatch', 'SendEmail', '{}', '--queue', queue, '--brokers', brokers], {cwd: app.root, env: {KAFKA_CONNECT_TIMEOUT: '1'}, timeoutMs: 20_000})
      assert.equal(code, 5, stderr)
      assert.match(stderr, /^Error: cannot reach Kafka at \S+ \(\S+ accepted the connection but did not answer as Kafka within 1s\)/)
    } finally {
      silent.close()
    }
  })
})
