import {strict as assert} from 'node:assert'
import {createServer} from 'node:net'
import path from 'node:path'

import {kq, startKq} from '../support/cli.js'
import {REPO_ROOT} from '../support/paths.js'
import {freePortRange} from '../support/ports.js'
import {type WorkerApp, createWorkedQueue, makeWorkerApp, until} from '../support/worker.js'

/** One sample of a Prometheus text exposition: the value of `name{labels}`, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match || match[1] !== name) continue
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]))
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3])
  }

  return undefined
}

describe('kq work --metrics-port', function () {
  this.timeout(120_000)
  let app: WorkerApp

  before(() => {
    app = makeWorkerApp()
  })

  after(() => app.remove())

  it('counts on /metrics what the worker ran: done, failed, retried and dead-lettered, durations, lag', async () => {
    const {queue, group} = await createWorkedQueue('metrics')
    const input = Array.from({length: 5}, (_, index) => JSON.stringify({tag: `ok-${index}`})).join('\n')
    assert.equal((await kq(['dispatch', 'Succeeds', '--ndjson', '-', '--queue', queue], {cwd: app.root, input})).code, 0)
    // Fails its first attempt, then succeeds (tries 3, backoff 0.2 s): one failed, one retried, one done.
    assert.equal((await kq(['dispatch', 'FailsUntil', JSON.stringify({tag: 'flaky', succeedOn: 2}), '--queue', queue], {cwd: app.root})).code, 0)
    // Fails for good at once.
    assert.equal((await kq(['dispatch', 'Fatal', JSON.stringify({tag: 'fatal'}), '--queue', queue], {cwd: app.root})).code, 0)

    const port = await freePortRange(1)
    const worker = startKq(['work', queue, '--group', group, '--from-beginning', '--metrics-port', String(port)], {cwd: app.root})
    try {
      const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
      await until(() => app.ledger(queue).filter((entry) => entry.event === 'done').length === 6, 60_000, 'the six successes')
      let text = ''
      // The last events land just after the ledger line their job wrote.
      for (let tries = 0; tries < 50; tries++) {
        text = await scrape()
        if (sample(text, 'kq_jobs_total', {queue, job: 'Fatal', status: 'dead_lettered'}) === 1) break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }

      assert.equal(sample(text, 'kq_jobs_total', {queue, job: 'Succeeds', status: 'done'}), 5)
      assert.equal(sample(text, 'kq_jobs_total', {queue, job: 'FailsUntil', status: 'failed'}), 1)
      assert.equal(sample(text, 'kq_jobs_total', {queue, job: 'FailsUntil', status: 'retried'}), 1)
      assert.equal(sample(text, 'kq_jobs_total', {queue, job: 'FailsUntil', status: 'done'}), 1)
      assert.equal(sample(text, 'kq_jobs_total', {queue, job: 'Fatal', status: 'failed'}), 1)
      assert.equal(sample(text, 'kq_jobs_total', {queue, job: 'Fatal', status: 'dead_lettered'}), 1)
      assert.equal(sample(text, 'kq_job_duration_seconds_count', {queue, job: 'Succeeds'}), 5)
      assert.equal(sample(text, 'kq_job_duration_seconds_count', {queue, job: 'FailsUntil'}), 2, 'both attempts are timed')
      assert.equal(sample(text, 'kq_jobs_in_flight'), 0)
      assert.equal(sample(text, 'kq_partition_lag', {topic: queue, partition: '0'}), 0, 'all seven worked')
      assert.ok((sample(text, 'process_resident_memory_bytes') ?? 0) > 0, "Node's process metrics are there too")
      assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 404)
      assert.match(worker.stdout(), new RegExp(`Prometheus metrics at http://127\\.0\\.0\\.1:${port}/metrics`))
    } finally {
      worker.child.kill('SIGTERM')
      assert.equal(await worker.exited, 0)
    }
  })

  it('refuses a port in use with one line and exit 4, before it consumes anything', async () => {
    const {queue, group} = await createWorkedQueue('metrics-taken')
    const blocker = createServer()
    const port = await freePortRange(1)
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve))
    try {
      const {code, stdout, stderr} = await kq(['work', queue, '--group', group, '--metrics-port', String(port)], {cwd: app.root})
      assert.equal(code, 4)
      assert.equal(stderr.trim().split('\n').length, 1, stderr)
      assert.match(stderr, new RegExp(`metrics port 127\\.0\\.0\\.1:${port} is in use by another process: choose another with --metrics-port or KQ_METRICS_PORT`))
      assert.doesNotMatch(stdout, /Processing jobs/)
    } finally {
      blocker.close()
    }
  })

  it('loads prom-client only when asked for metrics', async () => {
    const {queue, group} = await createWorkedQueue('metrics-off')
    const reporter = ['--import', path.join(REPO_ROOT, 'dist', 'test', 'support', 'report-loaded-modules.js')]
    const loaded = (stderr: string) => Number(/loaded prom-client: (\d+)/.exec(stderr)?.[1])
    const plain = await kq(['work', queue, '--group', group, '--stop-when-empty'], {cwd: app.root, nodeArgs: reporter})
    assert.equal(plain.code, 0, plain.stderr)
    assert.equal(loaded(plain.stderr), 0)
    const port = String(await freePortRange(1))
    const measured = await kq(['work', queue, '--group', group, '--stop-when-empty', '--metrics-port', port], {cwd: app.root, nodeArgs: reporter})
    assert.equal(measured.code, 0, measured.stderr)
    assert.ok(loaded(measured.stderr) > 0, 'the check above can fail')
  })

  it('adds KQ_METRICS_PORT_OFFSET to the port, as each process of a make:supervisor file does', async () => {
    const {queue, group} = await createWorkedQueue('metrics-offset')
    const base = await freePortRange(3)
    const worker = startKq(['work', queue, '--group', group, '--metrics-port', String(base)], {cwd: app.root, env: {KQ_METRICS_PORT_OFFSET: '2'}})
    try {
      await until(() => worker.stdout().includes('Prometheus metrics at'), 30_000, 'the metrics line')
      assert.match(worker.stdout(), new RegExp(`Prometheus metrics at http://127\\.0\\.0\\.1:${base + 2}/metrics`))
      assert.equal((await fetch(`http://127.0.0.1:${base + 2}/metrics`)).status, 200)
    } finally {
      worker.child.kill('SIGTERM')
      assert.equal(await worker.exited, 0)
    }
  })

  it('refuses a metrics host that is not an address of this machine, naming the setting', async () => {
    const port = String(await freePortRange(1))
    const {code, stderr} = await kq(['work', '--stop-when-empty', '--metrics-port', port, '--metrics-host', '192.0.2.1'], {cwd: app.root})
    assert.equal(code, 4)
    assert.equal(stderr.trim().split('\n').length, 1, stderr)
    assert.match(stderr, /metrics host 192\.0\.2\.1 is not an address of this machine \(EADDRNOTAVAIL\): set --metrics-host or KQ_METRICS_HOST/)
  })

  it('refuses a metrics host that does not resolve, saying so', async () => {
    const port = String(await freePortRange(1))
    const {code, stderr} = await kq(['work', '--stop-when-empty', '--metrics-port', port, '--metrics-host', 'no-such-host.invalid'], {cwd: app.root})
    assert.equal(code, 4)
    assert.equal(stderr, 'Error: metrics host no-such-host.invalid does not resolve (no DNS server knows it): set --metrics-host or KQ_METRICS_HOST to an address of this machine, such as 127.0.0.1 or 0.0.0.0\n')
  })

  it('refuses a KQ_METRICS_PORT that is no port, naming it', async () => {
    const {code, stderr} = await kq(['work', '--stop-when-empty'], {cwd: app.root, env: {KQ_METRICS_PORT: '99999'}})
    assert.equal(code, 4)
    assert.match(stderr, /KQ_METRICS_PORT \(from the environment\) must be a port number from 1 to 65535, got "99999"/)
  })
})
