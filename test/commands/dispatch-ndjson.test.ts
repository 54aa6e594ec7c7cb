import {strict as assert} from 'node:assert'
import {writeFileSync} from 'node:fs'
import net from 'node:net'
import path from 'node:path'

import {type DispatchResult} from '../../src/commands/dispatch.js'
import {ExitCode} from '../../src/lib/errors.js'
import {type TestApp, jobSource, makeTestApp} from '../support/app.js'
import {kq} from '../support/cli.js'
import {createQueue, endOffsetTotal, kcatRecords} from '../support/topics.js'

describe('kq dispatch --ndjson', function () {
  this.timeout(180_000)
  let app: TestApp

  before(() => {
    app = makeTestApp({jobs: {Track: jobSource('Track')}})
  })

  after(() => app.remove())

  function ndjson(name: string, lines: string[]): string {
    const file = path.join(app.root, name)
    writeFileSync(file, lines.join('\n') + '\n')
    return file
  }

  it('sends 100,000 lines complete, each key on one partition and in order', async () => {
    const queue = await createQueue('bulk', 6)
    const total = 100_000
    const keys = 500
    const lines = Array.from({length: total}, (_, seq) => JSON.stringify({user: `u${seq % keys}`, seq}))
    const file = ndjson('events.ndjson', lines)
    const {code, stdout, stderr} = await kq(['dispatch', 'Track', '--ndjson', file, '--key-field', 'user', '--queue', queue, '--json'], {
      cwd: app.root,
    })
    assert.equal(code, 0, stderr)
    const result = JSON.parse(stdout) as DispatchResult & {count: number}
    assert.equal(result.count, total)

    const records = await kcatRecords(queue)
    assert.equal(records.length, total)
    const ids = new Set<string>()
    const seen = new Map<string, {partition: number; seq: number}>()
    for (const record of records.sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
      const envelope = JSON.parse(record.payload)
      ids.add(envelope.id)
      assert.equal(record.key, envelope.payload.user)
      const previous = seen.get(record.key as string)
      if (previous) {
        assert.equal(record.partition, previous.partition, `key ${record.key} on two partitions`)
        assert.ok(envelope.payload.seq > previous.seq, `key ${record.key}: ${envelope.payload.seq} after ${previous.seq}`)
      }

      seen.set(record.key as string, {partition: record.partition, seq: envelope.payload.seq})
    }

    assert.equal(ids.size, total, 'job ids are not unique')
    assert.equal(seen.size, keys)
  })

  it('prints a summary with the count and rate off a terminal, and no progress bar', async () => {
    const queue = await createQueue('bulk-summary')
    const file = ndjson('few.ndjson', ['{"a":1}', '', '{"a":2}', '{"a":3}'])
    const {code, stdout, stderr} = await kq(['dispatch', 'Track', '--ndjson', file, '--queue', queue], {cwd: app.root})
    assert.equal(code, 0, stderr)
    assert.equal(stderr, '')
    assert.match(stdout, new RegExp(`^Dispatched 3 Track jobs to ${queue} in \\d+\\.\\d\\ds \\([\\d,]+ jobs/s\\)\\n$`))
  })

  it('reads the lines from stdin with -', async () => {
    const queue = await createQueue('bulk-stdin')
    const {code} = await kq(['dispatch', 'Track', '--ndjson', '-', '--queue', queue], {cwd: app.root, input: '{"n":1}\n{"n":2}\n'})
    assert.equal(code, 0)
    assert.deepEqual(
      (await kcatRecords(queue)).map((record) => JSON.parse(record.payload).payload),
      [{n: 1}, {n: 2}],
    )
  })

  describe('checks every line before sending any', () => {
    let queue: string

    before(async () => {
      queue = await createQueue('bulk-bad')
    })

    const refusals: Array<[string, string[], string[], RegExp]> = [
      ['a line that is not JSON, by its number', ['{"a":1}', '{"a":2}', '{"a":', '{"a":4}'], [], /^Error: line 3 of .*bad\.ndjson: payload is not valid JSON at line 1, column 6: .*; nothing was sent$/],
      ['a line without the key field', ['{"user":"a"}', '{"name":"b"}'], ['--key-field', 'user'], /^Error: line 2 of .*bad\.ndjson: payload has no string or number field "user" to use as the key \(--key-field\); nothing was sent$/],
      ['a file with no jobs', ['', '  '], [], /^Error: .*bad\.ndjson holds no jobs: nothing was sent$/],
    ]
    for (const [what, lines, flags, message] of refusals) {
      it(what, async () => {
        const file = ndjson('bad.ndjson', lines)
        const before = await endOffsetTotal(queue)
        const {code, stdout, stderr} = await kq(['dispatch', 'Track', '--ndjson', file, '--queue', queue, ...flags], {cwd: app.root})
        assert.equal(code, ExitCode.Usage)
        assert.equal(stdout, '')
        assert.match(stderr.trimEnd(), message)
        assert.equal(await endOffsetTotal(queue), before)
      })
    }

    it('a bad line at once, though the connection made while the lines are read is to a broker that never answers', async () => {
      // A listener that takes connections and says nothing: the connect would wait out its 30 s.
      const silent = net.createServer(() => {})
      await new Promise<void>((resolve) => {
        silent.listen(0, '127.0.0.1', resolve)
      })
      const sockets = new Set<net.Socket>()
      silent.on('connection', (socket) => sockets.add(socket))
      try {
        const {port} = silent.address() as net.AddressInfo
        const lines = [...Array.from({length: 50_000}, (_, n) => JSON.stringify({n})), '{"n":']
        const started = Date.now()
        const {code, stderr} = await kq(['dispatch', 'Track', '--ndjson', ndjson('late-bad.ndjson', lines), '--queue', queue], {
          cwd: app.root,
          env: {KAFKA_BROKERS: `127.0.0.1:${port}`, KAFKA_CONNECT_TIMEOUT: '30'},
        })
        assert.equal(code, ExitCode.Usage, stderr)
        assert.match(stderr.trimEnd(), /^Error: line 50001 of .*late-bad\.ndjson: payload is not valid JSON .*; nothing was sent$/)
        assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms: it waited for the connection`)
      } finally {
        for (const socket of sockets) socket.destroy()
        silent.close()
      }
    })

    it('a payload argument given with --ndjson', async () => {
      const {code, stderr} = await kq(['dispatch', 'Track', '{}', '--ndjson', 'x.ndjson'], {cwd: app.root})
      assert.equal(code, ExitCode.Usage)
      assert.equal(stderr, 'Error: give the jobs either as a payload argument or with --ndjson, not both\n')
    })
  })
})
