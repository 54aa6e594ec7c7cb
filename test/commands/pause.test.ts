import {strict as assert} from 'node:assert'
import {setTimeout as sleep} from 'node:timers/promises'

import {withTopicAdmin} from '../../src/lib/kafka/index.js'
import {kq, startKq, uniqueTopic} from '../support/cli.js'
import {createQueue, endOffsetTotal, testConnection} from '../support/topics.js'
import {type WorkerApp, createWorkedQueue, makeWorkerApp, until} from '../support/worker.js'

interface StatusJson {
  queues: Array<{queue: string; paused: {at: string; by: string} | null}>
}

describe('kq pause and kq continue', function () {
  this.timeout(120_000)
  let app: WorkerApp
  // A control topic of this file's own, so that other files' workers never see these pauses.
  const env = {KQ_CONTROL_TOPIC: uniqueTopic('control')}

  before(() => {
    app = makeWorkerApp()
  })

  after(() => app.remove())

  async function dispatchMany(queue: string, tags: string[]): Promise<void> {
    const input = tags.map((tag) => JSON.stringify({tag})).join('\n')
    const {code, stderr} = await kq(['dispatch', 'Succeeds', '--ndjson', '-', '--queue', queue], {cwd: app.root, input, env})
    assert.equal(code, 0, stderr)
  }

  const done = (queue: string) => app.ledger(queue).filter((entry) => entry.event === 'done').length
  const ran = (queue: string) => app.ledger(queue).filter((entry) => entry.event === 'run').length

  async function control(args: string[]): Promise<void> {
    const {code, stderr} = await kq(args, {env})
    assert.equal(code, 0, stderr)
  }

  async function paused(queue: string): Promise<StatusJson['queues'][number]['paused']> {
    const {code, stdout, stderr} = await kq(['status', queue, '--json', '--sample', '0'], {env})
    assert.equal(code, 0, stderr)
    return (JSON.parse(stdout) as StatusJson).queues[0].paused
  }

  it('stops new jobs of the paused queue while the worker’s other queue goes on, and continue resumes them', async () => {
    const group = uniqueTopic('g')
    const {queue: held} = await createWorkedQueue('paused', 2, group)
    const {queue: free} = await createWorkedQueue('free', 1, group)
    const worker = startKq(['work', `${held},${free}`, '--group', group], {cwd: app.root, env})
    await until(() => /Partitions: /.test(worker.stdout()), 60_000, 'the worker to join')

    await control(['pause', held])
    await until(() => new RegExp(`Queue ${held} is paused`).test(worker.stdout()), 60_000, 'the worker to see the pause')
    assert.notEqual(await paused(held), null)
    assert.equal(await paused(free), null)
    const status = await kq(['status', held, '--sample', '0'], {env})
    assert.match(status.stdout, new RegExp(`^${held} \\(paused\\)`, 'm'))

    await dispatchMany(held, ['h1', 'h2', 'h3'])
    await dispatchMany(free, ['f1', 'f2', 'f3'])
    await until(() => done(free) === 3, 60_000, 'the other queue’s jobs')
    assert.equal(ran(held), 0)

    await control(['queue:continue', held])
    await until(() => done(held) === 3, 60_000, 'the paused queue’s jobs after continue')
    assert.match(worker.stdout(), new RegExp(`Queue ${held} continues`))
    assert.equal(await paused(held), null)
    worker.child.kill('SIGTERM')
    assert.equal(await worker.exited, 0)
    assert.equal(ran(held), 3)
  })

  it('starts a worker on a paused queue paused: no job runs until continue', async () => {
    const {queue, group} = await createWorkedQueue('born-paused')
    await control(['queue:pause', queue])
    await dispatchMany(queue, ['a', 'b'])
    const worker = startKq(['work', queue, '--group', group, '--json'], {cwd: app.root, env})
    await until(() => /"event":"paused"/.test(worker.stdout()) && /"event":"assigned"/.test(worker.stdout()), 60_000, 'the worker to start paused')
    // Room for a job to start if the pause did not hold: a count, not a timing.
    await sleep(2000)
    assert.equal(ran(queue), 0)

    await control(['continue', queue])
    await until(() => done(queue) === 2, 60_000, 'the jobs after continue')
    assert.match(worker.stdout(), /"event":"continued"/)
    worker.child.kill('SIGTERM')
    assert.equal(await worker.exited, 0)
  })

  it('works a paused queue all the same with --force, saying so', async () => {
    const {queue, group} = await createWorkedQueue('forced')
    await control(['pause', queue])
    await dispatchMany(queue, ['a', 'b'])
    const {code, stdout, stderr} = await kq(['work', queue, '--group', group, '--force', '--stop-when-empty'], {cwd: app.root, env})
    assert.equal(code, 0, stderr)
    assert.equal(done(queue), 2)
    assert.match(stdout, new RegExp(`queue ${queue} was paused by \\S+: working it all the same \\(--force\\)`))
    await control(['continue', queue])
  })

  it('writes nothing to continue a queue that is not paused, or to pause one that is, and says so', async () => {
    const queue = await createQueue('unpaused')
    const own = {KQ_CONTROL_TOPIC: uniqueTopic('control')}
    const run = async (args: string[]) => {
      const {code, stdout, stderr} = await kq(args, {env: own})
      assert.equal(code, 0, stderr)
      return stdout
    }

    assert.equal(await run(['continue', queue]), `Queue ${queue} is not paused: nothing to continue.\n`)
    const topics = await withTopicAdmin(testConnection(), (admin) => admin.listTopics())
    assert.equal(topics.includes(own.KQ_CONTROL_TOPIC), false, 'a continue of a running queue made the control topic')
    await run(['pause', queue])
    assert.match(await run(['pause', queue]), new RegExp(`^Queue ${queue} is already paused \\(by \\S+ at \\S+\\): \`kq continue ${queue}\` lets workers start its jobs again\\.\n$`))
    const again = JSON.parse(await run(['pause', queue, '--json'])) as {written: boolean; paused?: {at: string; by: string}}
    assert.equal(again.written, false)
    assert.ok(again.paused?.by, 'the pause in force, with who asked it')
    assert.equal(await endOffsetTotal(own.KQ_CONTROL_TOPIC), 1, 'only the first pause was written')
    await run(['continue', queue])
    assert.equal((JSON.parse(await run(['continue', queue, '--json'])) as {written: boolean}).written, false)
    assert.equal(await endOffsetTotal(own.KQ_CONTROL_TOPIC), 2)
  })

  it('refuses a bad queue name, a queue that does not exist and a down broker with one line, writing nothing', async () => {
    const cases: Array<{args: string[]; extra?: NodeJS.ProcessEnv; message: RegExp}> = [
      {args: ['pause', 'bad name!'], message: /queue/},
      {args: ['pause', uniqueTopic('missing')], message: /^Error: no queue named \S+ \(its topic \S+ does not exist\): see `kq topic:list`/},
      {args: ['continue', 'emails-retry'], message: /retry topic of queue emails, not a queue/},
      {args: ['pause', 'emails', '--brokers', '127.0.0.1:1'], extra: {KAFKA_CONNECT_TIMEOUT: '2'}, message: /127\.0\.0\.1:1/},
      {args: ['pause'], message: /Missing 1 required arg/},
    ]
    const fresh = {KQ_CONTROL_TOPIC: uniqueTopic('control')}
    for (const {args, extra, message} of cases) {
      const {code, stdout, stderr} = await kq(args, {env: {...fresh, ...extra}})
      assert.notEqual(code, 0, args.join(' '))
      assert.equal(stdout, '', args.join(' '))
      assert.equal(stderr.trim().split('\n').length, 1, stderr)
      assert.match(stderr, message)
    }

    const topics = await withTopicAdmin(testConnection(), (admin) => admin.listTopics())
    assert.equal(topics.includes(fresh.KQ_CONTROL_TOPIC), false, 'a refused request made the control topic')
  })
})
