import {strict as assert} from 'node:assert'
import {existsSync, readFileSync, rmSync} from 'node:fs'
import path from 'node:path'

import {type Browser, chromium} from 'playwright-core'

import {type TestApp, makeTestApp} from '../support/app.js'
import {uniqueTopic} from '../support/cli.js'
import {RESIZE_JOB, type TestDashboard, dispatchFlaky, dispatchResizeBatch, makeFlakyApp, startDashboard, workQueue} from '../support/dashboard.js'
import {createWorkedQueue} from '../support/worker.js'

/** Debian's chromium package: the tests never download a browser. */
export const CHROMIUM = '/usr/bin/chromium'
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run']

describe('kq dashboard in a browser', function () {
  this.timeout(180_000)
  let app: TestApp
  let dashboard: TestDashboard
  let browser: Browser

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      process.stderr.write(`  skipped: no ${CHROMIUM} (npm run setup installs Debian's chromium package)\n`)
      this.skip()
    }

    browser = await chromium.launch({executablePath: CHROMIUM, args: CHROMIUM_ARGS})
    app = makeFlakyApp()
  })

  after(async () => {
    await browser?.close()
    await dashboard?.stop()
    app?.remove()
  })

  it('shows a queue with its lag, opens a dead letter, and its replay button puts the job back for a worker to run', async () => {
    const {queue, group} = await createWorkedQueue('dash-e2e')
    const [failed] = await dispatchFlaky(app, queue, ['e2e'])
    await workQueue(app, queue, group)
    await dispatchFlaky(app, queue, ['waiting'])
    dashboard = await startDashboard(['--group', group], {cwd: app.root})

    const page = await browser.newPage()
    const problems: string[] = []
    page.on('pageerror', (error) => problems.push(error.message))
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()))
    await page.goto(dashboard.url)

    const row = page.locator(`tr[data-queue="${queue}"]`)
    await row.locator('td.lag', {hasText: '1'}).waitFor()
    assert.equal(await row.locator('td.dead').textContent(), '1')

    await row.locator('td.dead a').click()
    await page.locator('table[aria-label="Dead letters"] tr.selectable', {hasText: failed}).click()
    await page.getByText('still broken: e2e').first().waitFor()
    assert.match((await page.locator('pre').first().textContent()) ?? '', /"tag": "e2e"/)

    rmSync(path.join(app.root, 'broken'))
    await page.getByRole('button', {name: 'Replay', exact: true}).click()
    await page.getByRole('status').filter({hasText: `Replayed to ${queue}`}).waitFor()

    await page.getByRole('link', {name: 'Queues'}).click()
    await row.locator('td.dead', {hasText: /^0$/}).waitFor()
    await row.locator('td.lag', {hasText: /^2$/}).waitFor()
    await workQueue(app, queue, group)
    assert.match(readFileSync(path.join(app.root, 'ran.ndjson'), 'utf8'), new RegExp(failed))
    await row.locator('td.lag', {hasText: /^0$/}).waitFor()

    // The job's whole path, looked up by its id: dispatched, dead-lettered, replayed, and run.
    await page.getByRole('link', {name: 'Jobs', exact: true}).click()
    await page.getByLabel('Job id').fill(failed)
    await page.getByRole('button', {name: 'Look up'}).click()
    await page.locator('.badge', {hasText: /^done$/}).waitFor()
    const steps = page.locator('table[aria-label="Job history"] tbody tr')
    assert.deepEqual(await steps.evaluateAll((rows) => rows.map((each) => each.getAttribute('data-kind'))), ['dispatched', 'dead-letter', 'replayed'])

    await page.getByRole('link', {name: 'Workers'}).click()
    await page.getByText(`Group ${group}`).waitFor()
    assert.deepEqual(problems, [])
  })

  it('lists a batch on the Batches page and opens it', async () => {
    const env = {KQ_BATCH_TOPIC: uniqueTopic('dash-e2e-batches')}
    const batchApp = makeTestApp({jobs: {'Resize.js': RESIZE_JOB}})
    const {queue} = await createWorkedQueue('dash-e2e-batch')
    const id = await dispatchResizeBatch(batchApp, queue, 'album 9', env)
    const batches = await startDashboard([], {cwd: batchApp.root, env})
    try {
      const page = await browser.newPage()
      const problems: string[] = []
      page.on('pageerror', (error) => problems.push(error.message))
      await page.goto(batches.url)
      await page.getByRole('link', {name: 'Batches'}).click()
      const row = page.locator(`table[aria-label="Batches"] tr[data-batch="${id}"]`)
      await row.getByText('album 9').waitFor()
      assert.equal(await row.locator('td.pending').textContent(), '2')
      await row.click()
      await page.getByText('total 2, pending 2, done 0, failed 0').waitFor()
      assert.deepEqual(problems, [])
    } finally {
      await batches.stop()
      batchApp.remove()
    }
  })
})
