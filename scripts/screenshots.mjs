#!/usr/bin/env node
/**
 * Regenerates the dashboard screenshots of the README (docs/dashboard/*.png), from real data:
 * a local Kafka (`kq kafka:up`, purged at the end), a throwaway app with two jobs, a queue worked
 * once (so it has successes and a dead letter) and then given more jobs (so it shows lag), a live
 * worker on a second queue (so the Workers page has members), and `kq dashboard` in Debian's
 * headless chromium.
 *
 *   npm run build && node scripts/screenshots.mjs
 *
 * Every child process runs with a time limit and is killed when the script ends, however it ends.
 */
import {spawn, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'

import {chromium} from 'playwright-core'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const KQ = path.join(ROOT, 'bin', 'run.js')
const OUT = path.join(ROOT, 'docs', 'dashboard')
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run']
const SCRIPT_LIMIT_MS = 10 * 60_000
const GROUP = 'app-workers'

const work = mkdtempSync(path.join(os.tmpdir(), 'kq-screenshots-'))
const kafkaDir = path.join(work, 'kafka')
const app = path.join(work, 'app')
const children = new Set()
let cleanedUp = false

function log(line) {
  process.stderr.write(`screenshots: ${line}\n`)
}

/** A TCP port free now, and the one after it (kafka:up uses port and port+1 for its controller). */
async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const server = net.createServer()
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => {
        const {port} = server.address()
        server.close(() => resolve(port))
      })
    })
    const nextFree = await new Promise((resolve) => {
      const server = net.createServer()
      server.once('error', () => resolve(false))
      server.listen(port + 1, '127.0.0.1', () => server.close(() => resolve(true)))
    })
    if (nextFree && port < 65_000) return port
  }
}

/** Starts `kq ARGS`, with a time limit after which it is killed; stdin is closed. */
function start(args, {cwd = app, timeoutMs = 60_000, env = {}} = {}) {
  const child = spawn(process.execPath, [KQ, ...args], {cwd, env: {...process.env, NO_COLOR: '1', ...env}, stdio: ['ignore', 'pipe', 'pipe']})
  children.add(child)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
  }, timeoutMs)
  // 'exit', not 'close': a grandchild that keeps a pipe open must not keep us waiting.
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      children.delete(child)
      resolve({code, signal, timedOut, stdout, stderr})
    })
  })
  return {child, exited, stdout: () => stdout, stderr: () => stderr}
}

/** Runs `kq ARGS` to its end; throws unless it exits 0 within its time limit. */
async function kq(args, options) {
  const result = await start(args, options).exited
  if (result.timedOut) throw new Error(`kq ${args.join(' ')} took longer than ${(options?.timeoutMs ?? 60_000) / 1000}s: ${result.stderr}`)
  if (result.code !== 0) throw new Error(`kq ${args.join(' ')} exited ${result.code ?? result.signal}: ${result.stderr}`)
  return result.stdout
}

async function until(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

function makeApp() {
  const jobs = path.join(app, 'src', 'jobs')
  mkdirSync(jobs, {recursive: true})
  mkdirSync(path.join(app, 'node_modules'), {recursive: true})
  symlinkSync(ROOT, path.join(app, 'node_modules', 'kq'), 'junction')
  writeFileSync(path.join(app, 'package.json'), `${JSON.stringify({name: 'shop', private: true, type: 'module'}, null, 2)}\n`)
  writeFileSync(
    path.join(jobs, 'SendWelcomeEmail.ts'),
    `import {Job} from 'kq'

export default class SendWelcomeEmail extends Job<{to: string}> {
  override async handle(payload: {to: string}): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
`,
  )
  writeFileSync(
    path.join(jobs, 'ChargeCard.ts'),
    `import {Job} from 'kq'

export default class ChargeCard extends Job<{order: number; amount: number}> {
  override tries = 2
  override backoff = 0

  override async handle(payload: {order: number; amount: number}): Promise<void> {
    throw new Error('payment gateway declined order ' + payload.order + ': insufficient funds')
  }
}
`,
  )
}

async function cleanup() {
  if (cleanedUp) return
  cleanedUp = true
  for (const child of children) child.kill('SIGKILL')
  log('stopping Kafka')
  const down = spawnSync(process.execPath, [KQ, 'kafka:down', '--dir', kafkaDir, '--purge'], {cwd: work, stdio: 'ignore', timeout: 90_000})
  if (down.status !== 0) log(`kafka:down exited ${down.status ?? down.signal ?? down.error}`)

  rmSync(work, {recursive: true, force: true})
}

async function main() {
  makeApp()
  const kafkaPort = await freePort()
  const brokers = `127.0.0.1:${kafkaPort}`
  process.env.KAFKA_BROKERS = brokers
  log(`starting Kafka on ${brokers}`)
  await kq(['kafka:up', '--port', String(kafkaPort), '--dir', kafkaDir, '--cache-dir', path.join(ROOT, '.kq', 'cache'), '--heap', '384'], {
    cwd: work,
    timeoutMs: 5 * 60_000,
  })

  log('creating queues and dispatching')
  // --group: the workers' group starts at the beginning of the new topics.
  await kq(['topic:create', 'orders', '--partitions', '3', '--group', GROUP])
  await kq(['topic:create', 'reports', '--group', GROUP])
  const dispatch = (job, payload, queue = 'orders') => kq(['dispatch', job, JSON.stringify(payload), '--queue', queue, '--json'])
  for (const to of ['ada@example.com', 'grace@example.com', 'linus@example.com', 'margaret@example.com']) await dispatch('SendWelcomeEmail', {to})
  const charges = []
  for (const [order, amount] of [[1041, 129.9], [1042, 15], [1043, 480]]) charges.push(JSON.parse(await dispatch('ChargeCard', {order, amount})).id)

  log('working orders until empty')
  await kq(['work', 'orders', '--group', GROUP, '--stop-when-empty', '--name', 'batch-1'], {timeoutMs: 120_000})

  log('dispatching the jobs left waiting')
  for (const to of ['ken@example.com', 'barbara@example.com', 'edsger@example.com', 'frances@example.com', 'donald@example.com']) await dispatch('SendWelcomeEmail', {to})

  // A worker that stays up (on another queue of the same group) for the Workers page.
  const live = start(['work', 'reports', '--group', GROUP, '--name', 'reports-1'], {timeoutMs: 5 * 60_000})
  log('starting the dashboard')
  const dashboard = start(['dashboard', '--port', String(await freePort()), '--group', GROUP], {timeoutMs: 5 * 60_000})
  let dashboardExited = false
  void dashboard.exited.then(() => (dashboardExited = true))
  await until(() => dashboardExited || /http:\/\/\S+:\d+/.test(dashboard.stdout()), 30_000, 'the dashboard to listen')
  const url = /(http:\/\/[^/\s]+:\d+)/.exec(dashboard.stdout())?.[1]
  if (!url) throw new Error(`kq dashboard did not start: ${dashboard.stderr()}`)

  const browser = await chromium.launch({executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000})
  try {
    const page = await browser.newPage({viewport: {width: 1280, height: 800}})
    page.setDefaultTimeout(30_000)
    mkdirSync(OUT, {recursive: true})
    // This machine's folders and host name are shown as a deployed app's would be.
    const shot = async (name) => {
      await page.evaluate(
        ([replacements]) => {
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const [from, to] of replacements) node.textContent = node.textContent.replaceAll(from, to)
          }
        },
        [[[app, '/srv/shop'], [ROOT, '/srv/shop/node_modules/kq'], [os.hostname(), 'worker-1.shop.internal']]],
      )
      await page.screenshot({path: path.join(OUT, `${name}.png`)})
      log(`saved docs/dashboard/${name}.png`)
    }

    await page.goto(url)
    const orders = page.locator('tr[data-queue="orders"]')
    await orders.locator('td.lag', {hasText: /^5$/}).waitFor()
    await orders.locator('td.dead', {hasText: /^3$/}).waitFor()
    // A few polls, so the charts have points.
    await sleep(12_000)
    await shot('queues')

    await page.getByRole('link', {name: 'Workers'}).click()
    await page.getByRole('cell', {name: 'reports-1', exact: true}).waitFor({timeout: 60_000})
    await shot('workers')

    await page.goto(`${url}/#/failed/orders`)
    await page.locator('table[aria-label="Dead letters"] tr.selectable').nth(2).waitFor()
    await shot('failed-jobs')

    await page.locator('table[aria-label="Dead letters"] tr.selectable', {hasText: 'ChargeCard'}).first().click()
    await page.getByText('insufficient funds').first().waitFor()
    await page.locator('pre').first().waitFor()
    await shot('dead-letter')

    // A charge tried twice and dead-lettered: its whole path, found by its id.
    await page.goto(`${url}/#/jobs/${charges[0]}`)
    await page.locator('table[aria-label="Job history"] tr[data-kind="dead-letter"]').waitFor({timeout: 60_000})
    await shot('jobs')
  } finally {
    await browser.close()
    dashboard.child.kill('SIGTERM')
    live.child.kill('SIGTERM')
    await Promise.race([Promise.all([dashboard.exited, live.exited]), sleep(15_000)])
  }
}

const watchdog = setTimeout(() => {
  log(`gave up after ${SCRIPT_LIMIT_MS / 60_000} minutes`)
  void cleanup().then(() => process.exit(1))
}, SCRIPT_LIMIT_MS)
process.once('uncaughtException', (error) => {
  log(`failed: ${error.stack ?? error}`)
  void cleanup().then(() => process.exit(1))
})
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => void cleanup().then(() => process.exit(130)))
}

process.on('exit', () => {
  // Last resort, synchronous: nothing we started outlives us.
  for (const child of children) child.kill('SIGKILL')
})

let failed = false
try {
  await main()
} catch (error) {
  failed = true
  log(`failed: ${error instanceof Error ? error.message : error}`)
} finally {
  clearTimeout(watchdog)
  await cleanup()
}

process.exit(failed ? 1 : 0)
