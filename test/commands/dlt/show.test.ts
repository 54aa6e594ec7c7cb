import {strict as assert} from 'node:assert'

import {type DltShowResult} from '../../../src/commands/dlt/show.js'
import {ExitCode} from '../../../src/lib/errors.js'
import {kq, runKq, uniqueTopic} from '../../support/cli.js'
import {writeDeadLetters} from '../../support/dead-letters.js'
import {createQueue} from '../../support/topics.js'

describe('kq dlt:show', function () {
  this.timeout(30_000)
  let queue: string
  let id: string

  before(async () => {
    queue = await createQueue('dlt-show')
    const [written] = await writeDeadLetters(queue, [
      {job: 'SendEmail', payload: {to: 'ada@example.com', tags: ['a', 'b']}, key: 'user-42', headers: {'trace-id': 'abc-123'}},
      {raw: '{"half": '},
    ])
    id = written.id!
  })

  it('shows the payload as indented JSON, every header and the stack', async () => {
    const {code, stdout, stderr} = await kq(['dlt:show', id, '--queue', queue])
    assert.equal(code, 0, stderr)
    assert.match(stdout, new RegExp(`^Dead letter ${id} \\(pending\\)\\n {2}Job {10}SendEmail\\n {2}Reason {7}exhausted after 3 attempts\\n`))
    assert.match(stdout, /^ {2}Error {8}Error: failure 0$/m)
    assert.match(stdout, new RegExp(`^ {2}Original {5}${queue} partition 0, offset 0$`, 'm'))
    assert.match(stdout, /^ {2}Key {10}user-42$/m)
    assert.ok(stdout.includes('\nPayload\n{\n  "to": "ada@example.com",\n  "tags": [\n    "a",\n    "b"\n  ]\n}\n'), stdout)
    for (const header of ['trace-id', 'kq-job', 'kq-job-id', 'kq-original-topic', 'kq-failed-at', 'kq-dlt-reason', 'kq-attempts', 'kq-worker']) {
      assert.match(stdout, new RegExp(`^${header}\\s+\\S`, 'm'), header)
    }

    assert.match(stdout, /\nStack\nError: failure 0\n\s+at /)
  })

  it('shows a message that is not a job by its partition:offset, with its raw value', async () => {
    const {code, result, stderr} = await runKq<DltShowResult>(['dlt:show', '0:1', '--queue', queue, '--json'])
    assert.equal(code, 0, stderr)
    assert.equal(result?.id, '0:1')
    assert.equal(result?.reason, 'malformed')
    assert.equal(result?.value, '{"half": ')
    assert.equal('payload' in result!, false)
  })

  it('gives the whole record with --json', async () => {
    const {result} = await runKq<DltShowResult>(['dlt:show', id, '--queue', queue, '--json'])
    assert.deepEqual(result?.payload, {to: 'ada@example.com', tags: ['a', 'b']})
    assert.equal((result?.value as {id: string}).id, id)
    assert.equal(result?.headers['trace-id'], 'abc-123')
    assert.match(result?.error.stack ?? '', /^Error: failure 0\n/)
    assert.equal(result?.status, 'pending')
    assert.deepEqual(result?.others, [])
  })

  it("finds a job's dead letters in another queue when none is named and the default queue lacks them", async function () {
    // Every queue of the shared test broker with dead letters is read: allow for many.
    this.timeout(180_000)
    const defaultQueue = await createQueue('dlt-show-default')
    const found = await kq(['dlt:show', id, '--json'], {env: {KAFKA_QUEUE: defaultQueue}})
    assert.equal(found.code, 0, found.stderr)
    assert.equal((JSON.parse(found.stdout) as DltShowResult).deadLetter.topic, `${queue}-dlt`)
    const noDefaultTopics = await kq(['dlt:show', id, '--json'], {env: {KAFKA_QUEUE: uniqueTopic('dlt-show-nothing')}})
    assert.equal(noDefaultTopics.code, 0, noDefaultTopics.stderr)
    const named = await kq(['dlt:show', id, '--queue', defaultQueue])
    assert.equal(named.code, ExitCode.Usage, 'a queue named is the only one searched')
  })

  it('refuses an empty id, as an unset shell variable gives it, with one line', async () => {
    const {code, stdout, stderr} = await kq(['dlt:show', '', '--queue', queue])
    assert.equal(code, ExitCode.Usage)
    assert.equal(stdout, '')
    assert.equal(stderr, 'Error: the id must not be empty: give a job id or a <partition>:<offset> from `kq dlt:list`\n')
  })

  it('refuses an unknown id with one line pointing at kq dlt:list', async () => {
    const {code, stdout, stderr} = await kq(['dlt:show', '01a2198a-0000-7000-8000-000000000000', '--queue', queue])
    assert.equal(code, ExitCode.Usage)
    assert.equal(stdout, '')
    assert.equal(stderr, `Error: no dead letter has id 01a2198a-0000-7000-8000-000000000000 in ${queue}-dlt: see the ids with \`kq dlt:list --all\`\n`)
  })
})
