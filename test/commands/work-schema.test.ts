import {strict as assert} from 'node:assert'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {type DltListResult} from '../../src/commands/dlt/list.js'
import {type TestApp, makeTestApp} from '../support/app.js'
import {kq} from '../support/cli.js'
import {kcat} from '../support/kcat.js'
import {schemaJobSource} from '../support/schema-job.js'
import {kcatRecords, testBrokers} from '../support/topics.js'
import {createWorkedQueue} from '../support/worker.js'

describe('kq work, for a job with a payload schema', function () {
  this.timeout(90_000)
  let app: TestApp
  let ledger: string

  before(() => {
    app = makeTestApp()
    ledger = path.join(app.root, 'ledger.ndjson')
    app.writeJob('Greets', schemaJobSource('Greets', ledger))
  })

  after(() => app.remove())

  it('dead-letters a payload the schema refuses as invalid-payload without running it, and runs the valid ones with the schema output', async () => {
    const {queue, group} = await createWorkedQueue('work-schema')
    // Another producer, which does not know the schema, sends a payload it refuses.
    const invalid = {
      kq: 1,
      id: '01a21949-9dbf-7dcc-8fa1-23b7278476aa',
      job: 'Greets',
      queue,
      attempt: 1,
      dispatchedAt: '2026-11-26T17:30:01.123Z',
      payload: {name: 42},
    }
    await kcat(['-b', testBrokers(), '-P', '-t', queue], `${JSON.stringify(invalid)}\n`)
    const sent = await kq(['dispatch', 'Greets', '{"name":"Ada"}', '--queue', queue], {cwd: app.root})
    assert.equal(sent.code, 0, sent.stderr)

    const {code, stdout, stderr} = await kq(['work', queue, '--group', group, '--stop-when-empty'], {cwd: app.root, timeoutMs: 60_000})
    assert.equal(code, 0, stderr)
    assert.match(stdout, /\(invalid-payload record \S+\[0\]@0\) \.+ DEAD-LETTERED\n {4}PayloadInvalidError: payload of Greets is invalid at name: expected a string/)

    // handle() ran once, for the valid job, and got what the schema returned.
    const ran = existsSync(ledger) ? readFileSync(ledger, 'utf8').trim().split('\n').map((line) => JSON.parse(line)) : []
    assert.deepEqual(ran, [{name: 'Ada', checked: true}])

    const [letter, ...others] = await kcatRecords(`${queue}-dlt`)
    assert.equal(others.length, 0)
    assert.equal(letter.headers['kq-dlt-reason'], 'invalid-payload')
    assert.equal(letter.headers['kq-attempts'], '0')
    assert.equal(letter.headers['kq-job-id'], invalid.id)
    assert.deepEqual(JSON.parse(letter.payload), invalid)

    const listed = await kq(['dlt:list', queue, '--group', group, '--json'], {cwd: app.root})
    assert.equal(listed.code, 0, listed.stderr)
    const {deadLetters} = JSON.parse(listed.stdout) as DltListResult
    assert.deepEqual(deadLetters.map((each) => [each.id, each.reason]), [[invalid.id, 'invalid-payload']])
    const table = await kq(['dlt:list', queue, '--group', group], {cwd: app.root})
    assert.match(table.stdout, /invalid-payload/)
  })
})
