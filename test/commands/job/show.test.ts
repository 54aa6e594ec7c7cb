import {strict as assert} from 'node:assert'

import {newJobId} from '../../../src/lib/envelope/index.js'
import {type TestApp, makeTestApp} from '../../support/app.js'
import {kq} from '../../support/cli.js'
import {workQueue} from '../../support/dashboard.js'
import {createWorkedQueue} from '../../support/worker.js'

/** Fails on both of its tries: its first failure waits on the retry topic, its second is dead-lettered. */
const TWICE_JOB = `import {Job} from 'kq'

export default class Twice extends Job<Record<string, never>> {
  override tries = 2
  override backoff = 0

  override async handle(): Promise<void> {
    throw new Error('twice broken')
  }
}
`

describe('kq job:show', function () {
  this.timeout(120_000)
  let app: TestApp
  let queue: string
  let id: string

  before(async () => {
    app = makeTestApp({jobs: {Twice: TWICE_JOB}})
    let group: string
    ;({queue, group} = await createWorkedQueue('job-show'))
    const sent = await kq(['dispatch', 'Twice', '{}', '--queue', queue, '--json'], {cwd: app.root})
    assert.equal(sent.code, 0, sent.stderr)
    id = (JSON.parse(sent.stdout) as {id: string}).id
    assert.match(await workQueue(app, queue, group), /1 dead-lettered/)
  })

  after(() => app?.remove())

  it('shows where the job is and each of its records, for people and as JSON', async () => {
    const shown = await kq(['job:show', id, '--queue', queue], {cwd: app.root})
    assert.equal(shown.code, 0, shown.stderr)
    const lines = shown.stdout.split('\n')
    assert.equal(lines[0], `Twice ${id} in queue ${queue}: dead-lettered`)
    assert.equal(lines[1], `dead-lettered at ${queue}-dlt[0]@0 (exhausted): replay it from the Failed jobs page or with \`kq dlt:replay ${queue} --id ${id}\``)
    const steps = lines.filter((line) => /^\d{4}-\d\d-\d\d /.test(line)).map((line) => line.split(/\s{2,}/).slice(1, 6))
    assert.deepEqual(steps, [
      ['dispatched', queue, '0', '0', '1'],
      ['retry', `${queue}-retry`, '0', '0', '2'],
      ['dead-letter', `${queue}-dlt`, '0', '0', '2'],
    ])
    assert.match(shown.stdout, /Searched .*, at most 20000 records a topic\.\n$/)

    const json = await kq(['job:show', id, '--json'], {cwd: app.root})
    assert.equal(json.code, 0, json.stderr)
    const found = JSON.parse(json.stdout)
    assert.deepEqual([found.queue, found.state, found.history.length], [queue, 'dead-lettered', 3])
  })

  it('says in one line, with exit code 2, that a job is not found within the search, or that an id is not a job id', async () => {
    const unknown = newJobId()
    const missing = await kq(['job:show', unknown, '--queue', queue, '--max-records', '10'], {cwd: app.root})
    assert.deepEqual([missing.code, missing.stdout], [2, ''])
    assert.match(missing.stderr, new RegExp(`^Error: job ${unknown} was not found within the search: the topics of queue ${queue}, from \\S+ \\(its dispatch time less 60s\\) to now, at most 10 records a topic\\n$`))
    const bad = await kq(['job:show', 'nope'], {cwd: app.root})
    assert.deepEqual([bad.code, bad.stdout, bad.stderr], [2, '', 'Error: "nope" is not a kq job id: give the lower-case UUIDv7 that kq dispatch printed\n'])
  })

  it('answers a mistyped --queue with the queue meant, exit 6, rather than with topic:create', async () => {
    const mistyped = `${queue}x`
    const {code, stdout, stderr} = await kq(['job:show', newJobId(), '--queue', mistyped], {cwd: app.root})
    assert.deepEqual([code, stdout], [6, ''])
    assert.equal(stderr, `Error: no queue named ${mistyped} (its topic ${mistyped} does not exist): did you mean ${queue}? \`kq topic:list\` shows the queues there are\n`)
  })
})
