import {strict as assert} from 'node:assert'
import {readFileSync, rmSync} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

import {type TestApp, makeTestApp} from '../support/app.js'
import {kq, startKq, uniqueTopic} from '../support/cli.js'
import {newJobId} from '../../src/lib/envelope/index.js'
import {RESIZE_JOB, type TestDashboard, dispatchFlaky, dispatchResizeBatch, makeFlakyApp, startDashboard, workQueue} from '../support/dashboard.js'
import {REPO_ROOT} from '../support/paths.js'
import {createWorkedQueue} from '../support/worker.js'

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

const reporter = path.join(REPO_ROOT, 'dist', 'test', 'support', 'report-loaded-modules.js')
const loaded = (stderr: string, name: string) => Number(new RegExp(`loaded ${name}: (\\d+)`).exec(stderr)?.[1] ?? Number.NaN)

describe('kq dashboard', function () {
  this.timeout(120_000)

  describe('with a queue that has waiting jobs and dead letters', () => {
    let app: TestApp
    let queue: string
    let group: string
    let failed: string[]
    let dashboard: TestDashboard

    before(async () => {
      app = makeFlakyApp()
      ;({queue, group} = await createWorkedQueue('dash'))
      failed = await dispatchFlaky(app, queue, ['first', 'second'])
      assert.match(await workQueue(app, queue, group), /2 dead-lettered/)
      await dispatchFlaky(app, queue, ['waiting'])
      dashboard = await startDashboard(['--group', group], {cwd: app.root})
    })

    after(async () => {
      await dashboard?.stop()
      app?.remove()
    })

    it('reports the queue with its lag and dead letters, and the group', async () => {
      const {status, body} = await dashboard.call('/api/queues')
      assert.equal(status, 200)
      const row = body.queues.find((each: {queue: string}) => each.queue === queue)
      // Jobs of one try never reach the retry topic: the group has no offset there, so no retry lag is known.
      assert.deepEqual([row.lag, row.deadLetters, row.retrying, row.workers, row.paused], [1, 2, null, 0, null])
      const workers = await dashboard.call('/api/workers')
      assert.deepEqual([workers.status, workers.body.group, workers.body.workers], [200, group, []])
    })

    it('lists dead letters newest first, filtered by job, reason, time and error text', async () => {
      const all = await dashboard.call(`/api/dead-letters?queue=${queue}`)
      assert.equal(all.status, 200)
      assert.deepEqual(all.body.deadLetters.map((each: {id: string}) => each.id), [...failed].reverse())
      const second = await dashboard.call(`/api/dead-letters?queue=${queue}&job=Flaky&reason=exhausted&since=1h&q=BROKEN:%20second`)
      assert.deepEqual(second.body.deadLetters.map((each: {id: string}) => each.id), [failed[1]])
      const everywhere = await dashboard.call('/api/dead-letters?q=still%20broken')
      assert.ok(everywhere.body.deadLetters.some((each: {queue: string}) => each.queue === queue))
    })

    it('shows one dead letter with its payload, headers, error and stack', async () => {
      const {status, body} = await dashboard.call(`/api/dead-letters/${queue}/${failed[0]}`)
      assert.equal(status, 200)
      assert.deepEqual(body.payload, {tag: 'first'})
      assert.equal(body.headers['kq-job'], 'Flaky')
      assert.match(body.error.message, /still broken: first/)
      assert.match(body.error.stack, /Flaky/)
      assert.deepEqual([body.replayedFrom, body.others], [null, []])
    })

    it('answers bad requests with one JSON error line and a status, never a stack', async () => {
      const unknownJob = newJobId()
      const cases: Array<[string, Parameters<TestDashboard['call']>[1], number, RegExp]> = [
        [`/api/dead-letters?reason=bogus`, {}, 400, /reason must be one of exhausted/],
        [`/api/dead-letters?since=yesterday-ish`, {}, 400, /since must be a duration/],
        [`/api/dead-letters?queue=no%20such`, {}, 400, /queue must be a Kafka topic name/],
        [`/api/dead-letters/${queue}/0:99`, {}, 404, /no dead letter has id 0:99/],
        [`/api/dead-letters/nosuchqueue-x/0:1`, {}, 404, /nosuchqueue-x-dlt/],
        ['/api/dead-letters/replay', {body: '{not json'}, 400, /not valid JSON/],
        ['/api/dead-letters/replay', {body: {queue}}, 400, /exactly one of "ids"/],
        ['/api/dead-letters/replay', {body: {queue, ids: ['0:99']}}, 400, /no pending dead letter has id 0:99/],
        ['/api/dead-letters/purge', {body: {queue, filter: {}}}, 400, /empty filter/],
        ['/api/nothing', {}, 404, /no such API: GET \/api\/nothing/],
        [`/api/jobs/${unknownJob}?queue=${queue}`, {}, 404, new RegExp(`job ${unknownJob} was not found within the search: the topics of queue ${queue}, from .* to now, at most 20000 records a topic`)],
        ['/api/jobs/not-an-id', {}, 400, /"not-an-id" is not a kq job id/],
      ]
      for (const [where, init, status, message] of cases) {
        const answer = await dashboard.call(where, init)
        assert.equal(answer.status, status, `${where}: ${JSON.stringify(answer.body)}`)
        assert.deepEqual(Object.keys(answer.body), ['error'])
        assert.match(answer.body.error, message)
        assert.doesNotMatch(answer.body.error, /\n\s+at /)
      }
    })

    it('refuses an action without the CSRF header, and changes nothing', async () => {
      const {status, body} = await dashboard.call('/api/dead-letters/replay', {body: {queue, all: true}, csrf: false})
      assert.equal(status, 403)
      assert.match(body.error, /x-kq-csrf/)
      assert.equal((await dashboard.call(`/api/dead-letters?queue=${queue}`)).body.total, 2)
    })

    it('replays one dead letter through the crash-safe cursor, and a worker runs it', async () => {
      const {status, body} = await dashboard.call('/api/dead-letters/replay', {body: {queue, ids: [failed[0]]}})
      assert.equal(status, 200, JSON.stringify(body))
      assert.deepEqual(body.replayed.map((each: {id: string}) => each.id), [failed[0]])
      // The oldest dead letter was replayed: the cursor moved past it.
      assert.deepEqual(body.cursor.map(({partition, offset}: {partition: number; offset: number}) => [partition, offset]), [[0, 1]])
      const listed = await dashboard.call(`/api/dead-letters?queue=${queue}`)
      assert.deepEqual(listed.body.deadLetters.map((each: {id: string}) => each.id), [failed[1]])

      rmSync(path.join(app.root, 'broken'))
      await workQueue(app, queue, group)
      const ran = readFileSync(path.join(app.root, 'ran.ndjson'), 'utf8')
      assert.match(ran, new RegExp(failed[0]))
    })

    it('purges all that match a filter', async () => {
      const {status, body} = await dashboard.call('/api/dead-letters/purge', {body: {queue, filter: {job: 'Flaky'}}})
      assert.equal(status, 200, JSON.stringify(body))
      assert.deepEqual(body.purged.map((each: {id: string}) => each.id), [failed[1]])
      const row = (await dashboard.call('/api/queues')).body.queues.find((each: {queue: string}) => each.queue === queue)
      assert.equal(row.deadLetters, 0)
    })

    it('looks a job up by id: retried, then dead-lettered, each step with its place, attempt and error', async () => {
      app.writeJob('Twice', TWICE_JOB)
      const {queue: other} = await createWorkedQueue('dash-jobs', 1, group)
      const {code, stdout, stderr} = await kq(['dispatch', 'Twice', '{}', '--queue', other, '--json'], {cwd: app.root})
      assert.equal(code, 0, stderr)
      const {id} = JSON.parse(stdout) as {id: string}
      assert.match(await workQueue(app, other, group), /1 dead-lettered/)

      const {status, body} = await dashboard.call(`/api/jobs/${id}`)
      assert.equal(status, 200, JSON.stringify(body))
      assert.deepEqual([body.id, body.job, body.queue, body.state], [id, 'Twice', other, 'dead-lettered'])
      const steps = body.history.map((step: any) => [step.kind, step.topic, step.partition, step.attempt, step.error?.message ?? null, step.reason])
      assert.deepEqual(steps, [
        ['dispatched', other, 0, 1, null, null],
        ['retry', `${other}-retry`, 0, 2, 'twice broken', null],
        ['dead-letter', `${other}-dlt`, 0, 2, 'twice broken', 'exhausted'],
      ])
      assert.deepEqual(body.history.map((step: any) => step.offset), [0, 0, 0])
      assert.ok(body.history.every((step: any, index: number) => index === 0 || step.time >= body.history[index - 1].time))
      assert.ok(body.searched.queues.includes(other) && body.searched.queues.includes(queue))
      assert.deepEqual([body.searched.maxRecordsPerTopic, body.searched.cutShort], [20_000, []])
    })

    it("shows a replayed job's lineage: dispatched, dead-lettered, replayed from that dead letter, then done", async () => {
      const {status, body} = await dashboard.call(`/api/jobs/${failed[0]}?queue=${queue}`)
      assert.equal(status, 200, JSON.stringify(body))
      const steps = body.history.map((step: any) => [step.kind, step.topic, step.offset, step.replayedFrom])
      assert.deepEqual(steps, [
        ['dispatched', queue, 0, null],
        ['dead-letter', `${queue}-dlt`, 0, null],
        ['replayed', queue, 3, `${queue}-dlt:0:0`],
      ])
      assert.equal(body.state, 'done')
      assert.match(body.summary, new RegExp(`its last record ${queue}\\[0\\]@3 was worked`))
    })

    it('shows a running worker with the host, pid and name it published to the group', async () => {
      const worker = startKq(['work', queue, '--group', group, '--name', 'w1'], {cwd: app.root})
      try {
        let workers: any[] = []
        // Until it has joined and been given the queue's partition; a worker that exits fails the test at once.
        const joined = async () => {
          while (!workers.some((each) => each.partitions.length > 0)) {
            await new Promise((resolve) => setTimeout(resolve, 250))
            workers = (await dashboard.call('/api/workers')).body.workers
          }
        }

        await Promise.race([joined(), worker.exited.then((code) => Promise.reject(new Error(`the worker exited with ${code}`)))])
        assert.equal(workers.length, 1)
        const [only] = workers
        assert.deepEqual([only.host, only.pid, only.name], [os.hostname(), worker.child.pid, 'w1'])
        assert.match(only.address, /\d|:/)
        assert.ok(only.partitions.includes(`${queue}:0`))
      } finally {
        worker.child.kill('SIGTERM')
        await worker.exited
      }
    })

    it('serves its page and the vendor files from the installed packages, with a policy against injected scripts', async () => {
      const page = await dashboard.call('/')
      assert.equal(page.status, 200)
      assert.match(page.body, /<script type="module" src="\/app.js">/)
      assert.deepEqual((await dashboard.call('/api/meta')).body.readOnly, false)
      assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self' 'sha256-/)
      for (const file of ['/app.js', '/charts.js', '/app.css', '/vendor/preact.mjs', '/vendor/hooks.mjs', '/vendor/htm.mjs', '/vendor/uPlot.iife.min.js', '/vendor/uPlot.min.css']) {
        assert.equal((await dashboard.call(file)).status, 200, file)
      }
    })
  })

  describe('access', () => {
    it('read-only: says so, and refuses actions with 403', async () => {
      const dashboard = await startDashboard(['--read-only'])
      try {
        assert.deepEqual((await dashboard.call('/api/meta')).body.readOnly, true)
        const {status, body} = await dashboard.call('/api/dead-letters/purge', {body: {queue: 'default', all: true}})
        assert.equal(status, 403)
        assert.match(body.error, /read-only/)
      } finally {
        await dashboard.stop()
      }
    })

    it('with a token: refuses requests without it, takes a bearer header, and a ?token= visit sets the cookie', async () => {
      const dashboard = await startDashboard([], {env: {KQ_DASHBOARD_TOKEN: 's3cret-token-of-24-chars'}})
      try {
        assert.equal((await dashboard.call('/api/meta')).status, 401)
        assert.equal((await dashboard.call('/api/meta', {headers: {authorization: 'Bearer wrong'}})).status, 401)
        assert.equal((await dashboard.call('/api/meta', {headers: {authorization: 'Bearer s3cret-token-of-24-chars'}})).status, 200)
        const visit = await dashboard.call('/?token=s3cret-token-of-24-chars')
        assert.equal(visit.status, 200)
        const cookie = visit.headers.get('set-cookie') ?? ''
        assert.match(cookie, /HttpOnly; SameSite=Strict/)
        assert.equal((await dashboard.call('/api/meta', {headers: {cookie: cookie.split(';')[0]}})).status, 200)
        assert.equal((await dashboard.call('/api/batches')).status, 401)
        assert.equal((await dashboard.call(`/api/batches/${newJobId()}`)).status, 401)
      } finally {
        await dashboard.stop()
      }
    })

    it('refuses a non-loopback address without a token, in one line, before listening', async () => {
      const {code, stdout, stderr} = await kq(['dashboard', '--host', '0.0.0.0', '--port', '0'])
      assert.equal(code, 2)
      assert.equal(stdout, '')
      assert.equal(stderr, 'Error: serving on 0.0.0.0 lets other machines in: pass --token (or set KQ_DASHBOARD_TOKEN in the environment: kq does not read it from .env) to require one, or keep the default --host 127.0.0.1\n')
    })

    it('refuses a token anyone could guess, in one line and exit code 2, before listening', async () => {
      const {code, stdout, stderr} = await kq(['dashboard', '--port', '0'], {env: {KQ_DASHBOARD_TOKEN: 'x'}})
      assert.equal(code, 2)
      assert.equal(stdout, '')
      assert.equal(stderr, 'Error: the dashboard token (--token or KQ_DASHBOARD_TOKEN) has 1 character: use at least 16: make one with `openssl rand -hex 24`\n')
    })

    it('says in one line that its port is in use, with exit code 2', async () => {
      const busy = net.createServer()
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
      const {port} = busy.address() as net.AddressInfo
      try {
        const {code, stderr} = await kq(['dashboard', '--port', String(port)], {nodeArgs: ['--import', reporter]})
        assert.equal(code, 2)
        assert.match(stderr, new RegExp(`^Error: port ${port} on 127.0.0.1 is in use: pass --port with a free one \\(or stop what listens there\\)\\n`))
        // The server module was loaded here: the start-up checks below can fail.
        assert.ok(loaded(stderr, 'hono') > 0)
      } finally {
        busy.close()
      }
    })

    it('keeps its web server out of the start-up of kq --help and its own --help', async () => {
      for (const args of [['--help'], ['dashboard', '--help']]) {
        const {code, stderr} = await kq(args, {nodeArgs: ['--import', reporter]})
        assert.equal(code, 0)
        assert.equal(loaded(stderr, 'hono'), 0, args.join(' '))
        assert.equal(loaded(stderr, '@hono'), 0, args.join(' '))
      }
    })
  })

  describe('with a batch dispatched', () => {
    // A batch topic of this block's own: other files' batches are not listed here.
    const env = {KQ_BATCH_TOPIC: uniqueTopic('dash-batches')}
    let app: TestApp
    let dashboard: TestDashboard
    let id: string

    before(async () => {
      app = makeTestApp({jobs: {'Resize.js': RESIZE_JOB}})
      const {queue} = await createWorkedQueue('dash-batch')
      id = await dispatchResizeBatch(app, queue, 'album 7', env, 3)
      dashboard = await startDashboard([], {cwd: app.root, env})
    })

    after(async () => {
      await dashboard?.stop()
      app?.remove()
    })

    it('lists the batch with its progress, and shows it by id, as kq batch:list and batch:show read them', async () => {
      const listed = await dashboard.call('/api/batches')
      assert.equal(listed.status, 200)
      assert.deepEqual(
        listed.body.batches.map((batch: Record<string, unknown>) => [batch.id, batch.name, batch.status, batch.total, batch.pending, batch.done, batch.failed]),
        [[id, 'album 7', 'running', 3, 3, 0, 0]],
      )
      assert.deepEqual((await dashboard.call('/api/batches?running=true')).body.batches.map((batch: {id: string}) => batch.id), [id])

      const shown = await dashboard.call(`/api/batches/${id}`)
      assert.equal(shown.status, 200)
      const {stdout} = await kq(['batch:show', id, '--json'], {cwd: app.root, env})
      assert.deepEqual(shown.body, JSON.parse(stdout))
    })

    it('answers a malformed batch id with 400, an unknown one with 404 and a bad running flag with 400, each one JSON line', async () => {
      const malformed = await dashboard.call('/api/batches/not-an-id')
      assert.deepEqual([malformed.status, Object.keys(malformed.body)], [400, ['error']])
      assert.match(malformed.body.error, /is not a batch id/)
      const unknown = await dashboard.call(`/api/batches/${newJobId()}`)
      assert.equal(unknown.status, 404)
      assert.match(unknown.body.error, /^no batch /)
      const flag = await dashboard.call('/api/batches?running=maybe')
      assert.deepEqual([flag.status, flag.body], [400, {error: 'running must be true or false'}])
    })
  })
})
