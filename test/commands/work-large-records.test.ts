import {strict as assert} from 'node:assert'

import {withTopicAdmin} from '../../src/lib/kafka/index.js'
import {kq, runKq, uniqueTopic} from '../support/cli.js'
import {kcat} from '../support/kcat.js'
import {endOffsetTotal, kcatRecords, testBrokers, testConnection} from '../support/topics.js'
import {type WorkerApp, groupProgress, makeWorkerApp} from '../support/worker.js'

/** The queue topic takes records up to this size; its dead-letter topic keeps Kafka's default (about 1 MB). */
const RAISED_LIMIT = 1_200_000
/** A record that fits the queue and Kafka's default alike, but not once the failure headers are added. */
const NEAR_LIMIT = 1_048_000

describe('kq work with a record near the size limit', function () {
  this.timeout(90_000)
  let app: WorkerApp

  before(() => {
    app = makeWorkerApp()
  })

  after(() => app.remove())

  it('dead-letters it without its value, says so, and runs the jobs behind it', async () => {
    const queue = uniqueTopic('work-huge')
    const group = uniqueTopic('g')
    await withTopicAdmin(testConnection(), (admin) =>
      admin.createTopics([{name: queue, partitions: 1, replicationFactor: 1, configs: {'max.message.bytes': String(RAISED_LIMIT)}}]),
    )
    const created = await runKq(['topic:create', queue])
    assert.equal(created.code, 0, created.stderr)
    // Produced by an independent client, as a foreign producer would: not a job, and huge.
    await kcat(['-b', testBrokers(), '-P', '-t', queue, '-X', `message.max.bytes=${RAISED_LIMIT + 10_000}`], `${'x'.repeat(NEAR_LIMIT)}\n`)
    const dispatched = await kq(['dispatch', 'Succeeds', JSON.stringify({tag: 'behind-the-huge-one'}), '--queue', queue], {cwd: app.root})
    assert.equal(dispatched.code, 0, dispatched.stderr)
    assert.equal(await endOffsetTotal(queue), 2)

    const {code, stdout, stderr} = await kq(['work', queue, '--group', group, '--from-beginning', '--stop-when-empty'], {
      cwd: app.root,
      timeoutMs: 60_000,
    })
    assert.equal(code, 0, stderr)
    assert.deepEqual(
      app.ledger(queue).filter((entry) => entry.event === 'done').map((entry) => entry.tag),
      ['behind-the-huge-one'],
    )
    assert.match(
      stdout,
      new RegExp(`WARN\\s+the dead letter of ${queue}\\[0\\]@0 was too large for ${queue}-dlt, so it was written without its value \\(${NEAR_LIMIT} bytes, header kq-dlt-value-omitted\\)`),
    )

    const [letter, ...others] = await kcatRecords(`${queue}-dlt`)
    assert.equal(others.length, 0)
    assert.equal(letter.payload, '')
    assert.equal(letter.headers['kq-dlt-value-omitted'], String(NEAR_LIMIT))
    assert.equal(letter.headers['kq-dlt-reason'], 'malformed')
    assert.equal(letter.headers['kq-original-topic'], queue)
    assert.equal(letter.headers['kq-original-offset'], '0')
    assert.ok(letter.headers['kq-error-message'], 'the reduced dead letter still says why')
    const [progress] = await groupProgress(group, queue)
    assert.equal(progress.committed, 2)
  })
})
