#!/usr/bin/env node
// Worker benchmarks, kq side by side with raw kafkajs, in one run against one broker.
//
//   node bench/worker.mjs [--count 200000] [--partitions 3] [--runs 3] [--rate 1000] [--seconds 20]
//
// Needs a built kq (npm run build) and a broker: KAFKA_BROKERS, else 127.0.0.1:9092.
//
// 1. Drain: a backlog of <count> no-op jobs, worked by `kq work --stop-when-empty` in a new group,
//    against a kafkajs eachMessage consumer with a no-op handler (peers/kafkajs-consume.mjs) in
//    another new group, on the same topic. Whole-process wall times, alternating. Goal: kq's
//    throughput at least 1.0x the peer's. The worker's peak RSS is sampled meanwhile.
// 2. Latency: jobs dispatched at a steady <rate> per second for <seconds> seconds while a worker
//    runs; each job records the time from just before its dispatch to the start of its handle().
//    Goal: p50 at most 5 ms, p99 at most 25 ms. Then the same with kafkajs alone (a producer
//    sending one message per call, peers/kafkajs-latency-*.mjs), on the same broker: the floor
//    that this machine and broker set.
import {spawn, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const {values} = parseArgs({
  options: {
    count: {type: 'string', default: '200000'},
    partitions: {type: 'string', default: '3'},
    runs: {type: 'string', default: '3'},
    rate: {type: 'string', default: '1000'},
    seconds: {type: 'string', default: '20'},
  },
})
const count = Number(values.count)
const runs = Number(values.runs)
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'

const app = mkdtempSync(path.join(os.tmpdir(), 'kq-bench-worker-'))
mkdirSync(path.join(app, 'node_modules'))
mkdirSync(path.join(app, 'jobs'))
symlinkSync(root, path.join(app, 'node_modules', 'kq'))
writeFileSync(path.join(app, 'package.json'), '{"type":"module"}\n')
writeFileSync(path.join(app, 'jobs', 'Noop.js'), `import {Job} from 'kq'\nexport default class Noop extends Job {\n  async handle() {}\n}\n`)
// Latency: handle() logs how long ago the job was sent; the worker prints it with --json.
writeFileSync(
  path.join(app, 'jobs', 'Timed.js'),
  `import {Job} from 'kq'\nexport default class Timed extends Job {\n  async handle(payload, ctx) {\n    if (payload.sentAt) ctx.log(String(performance.timeOrigin + performance.now() - payload.sentAt))\n  }\n}\n`,
)

const env = {...process.env, KAFKA_BROKERS: brokers, NO_COLOR: '1', KQ_JOBS_DIR: 'jobs'}
const kq = (args) => spawnSync(process.execPath, ['--', path.join(root, 'bin', 'run.js'), ...args], {cwd: app, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024})
const check = (result, what) => {
  if (result.status !== 0) throw new Error(`${what} failed (${result.status}): ${result.stderr}`)
  return result
}

const stamp = Date.now()
const topic = `bench-drain-${stamp}`
check(kq(['topic:create', topic, '--partitions', values.partitions]), 'topic:create')
const ndjson = path.join(app, 'jobs.ndjson')
writeFileSync(ndjson, Array.from({length: count}, (_, i) => JSON.stringify({n: i})).join('\n') + '\n')
check(kq(['dispatch', 'Noop', '--ndjson', ndjson, '--queue', topic]), 'dispatch')

function peakRss(pid) {
  let peak = 0
  const timer = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8')
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
      peak = Math.max(peak, kb)
    } catch {}
  }, 100)
  return () => {
    clearInterval(timer)
    return peak
  }
}

async function timedProcess(command, args, options) {
  const started = process.hrtime.bigint()
  const child = spawn(command, args, options)
  const stopSampling = peakRss(child.pid)
  let stderr = ''
  child.stderr.on('data', (data) => {
    stderr += data
  })
  child.stdout.resume()
  const code = await new Promise((resolve) => child.on('close', resolve))
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${code}): ${stderr}`)
  return {seconds, peakMb: stopSampling() / 1024}
}

const drain = {kq: [], peer: [], kqRss: [], peerRss: []}
for (let run = 0; run < runs; run++) {
  const kqRun = await timedProcess(
    process.execPath,
    ['--', path.join(root, 'bin', 'run.js'), 'work', topic, '--group', `bench-kq-${stamp}-${run}`, '--from-beginning', '--stop-when-empty', '--concurrency', values.partitions],
    {cwd: app, env},
  )
  drain.kq.push(kqRun.seconds)
  drain.kqRss.push(kqRun.peakMb)
  const peerRun = await timedProcess(
    process.execPath,
    [path.join(root, 'bench', 'peers', 'kafkajs-consume.mjs'), brokers, topic, `bench-peer-${stamp}-${run}`, String(count)],
    {cwd: root},
  )
  drain.peer.push(peerRun.seconds)
  drain.peerRss.push(peerRun.peakMb)
}

/**
 * Runs a producer and resolves with the count it prints. Not spawnSync: this process must keep
 * reading the consumer's output meanwhile, or the consumer would stall on a full pipe.
 */
async function produce(command, args, options) {
  const child = spawn(command, args, options)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (data) => {
    stdout += data
  })
  child.stderr.on('data', (data) => {
    stderr += data
  })
  const code = await new Promise((resolve) => child.on('close', resolve))
  if (code !== 0) throw new Error(`${args.join(' ')} failed (${code}): ${stderr}`)
  return Number(stdout.trim())
}

// Latency: a worker on a fresh queue, then jobs at a steady rate from an application process.
async function kqLatencies() {
  const latencyTopic = `bench-latency-${stamp}`
  check(kq(['topic:create', latencyTopic, '--partitions', values.partitions, '--group', `bench-latency-${stamp}`]), 'topic:create')
  const worker = spawn(process.execPath, ['--', path.join(root, 'bin', 'run.js'), 'work', latencyTopic, '--group', `bench-latency-${stamp}`, '--json', '--concurrency', values.partitions], {cwd: app, env})
  let workerOutput = ''
  worker.stdout.on('data', (data) => {
    workerOutput += data
  })
  while (!workerOutput.includes('"event":"assigned"')) await sleep(100)
  writeFileSync(
    path.join(app, 'produce.mjs'),
    `import {closeDispatch} from 'kq'
import Timed from './jobs/Timed.js'
const rate = ${Number(values.rate)}, seconds = ${Number(values.seconds)}
// As the peer connects its producer before its clock starts: one job, not measured, opens kq's.
await Timed.dispatch({warmUp: true}, {queue: '${latencyTopic}'})
const started = performance.now()
let sent = 0
const pending = []
while (performance.now() - started < seconds * 1000) {
  const due = started + (sent * 1000) / rate
  const wait = due - performance.now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
  pending.push(Timed.dispatch({sentAt: performance.timeOrigin + performance.now()}, {queue: '${latencyTopic}'}))
  sent++
}
await Promise.all(pending)
await closeDispatch()
console.log(sent)
`,
  )
  const sent = await produce(process.execPath, [path.join(app, 'produce.mjs')], {cwd: app, env})
  const latencies = () => workerOutput.split('\n').filter((line) => line.includes('"event":"job:log"')).map((line) => Number(JSON.parse(line).message))
  const deadline = Date.now() + 60_000
  while (latencies().length < sent && Date.now() < deadline) await sleep(200)
  worker.kill('SIGTERM')
  await new Promise((resolve) => worker.on('close', resolve))
  return {sent, sorted: latencies().sort((a, b) => a - b)}
}

// The same with kafkajs alone: an eachMessage consumer and a producer sending one message per call.
async function peerLatencies() {
  const peerTopic = `bench-latency-peer-${stamp}`
  check(kq(['topic:create', peerTopic, '--partitions', values.partitions]), 'topic:create')
  const consumer = spawn(process.execPath, [path.join(root, 'bench', 'peers', 'kafkajs-latency-consume.mjs'), brokers, peerTopic, `bench-latency-peer-${stamp}`], {cwd: root})
  let output = ''
  consumer.stdout.on('data', (data) => {
    output += data
  })
  while (!output.includes('ready')) await sleep(100)
  const sent = await produce(process.execPath, [path.join(root, 'bench', 'peers', 'kafkajs-latency-produce.mjs'), brokers, peerTopic, values.rate, values.seconds], {cwd: root})
  const latencies = () => output.split('\n').filter((line) => line !== '' && line !== 'ready').map(Number)
  const deadline = Date.now() + 60_000
  while (latencies().length < sent && Date.now() < deadline) await sleep(200)
  consumer.kill('SIGTERM')
  await new Promise((resolve) => consumer.on('close', resolve))
  return {sent, sorted: latencies().sort((a, b) => a - b)}
}

const latency = {kq: await kqLatencies(), peer: await peerLatencies()}
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
const latencyRow = (name, {sorted, sent}) =>
  `| ${name} | ${[50, 90, 99].map((p) => `${percentile(sorted, p)?.toFixed(1)} ms`).join(' | ')} | ${sorted.at(-1)?.toFixed(1)} ms | ${sorted.length} of ${sent} |`
const latencyRatio = (p) => (percentile(latency.kq.sorted, p) / percentile(latency.peer.sorted, p)).toFixed(2)

const median = (numbers) => {
  const s = [...numbers].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

const rate = (seconds) => Math.round(count / seconds)
const report = `# Worker benchmark

Command: \`node bench/worker.mjs --count ${count} --partitions ${values.partitions} --runs ${runs} --rate ${values.rate} --seconds ${values.seconds}\`
Date: ${new Date().toISOString()}; Node ${process.version}; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}); broker ${brokers}.

## Drain: ${count.toLocaleString('en-US')} no-op jobs, ${values.partitions} partitions, whole process start to exit, alternating

| | median wall time | throughput | peak RSS | runs (s) |
|---|---|---|---|---|
| \`kq work --stop-when-empty --concurrency ${values.partitions}\` | ${median(drain.kq).toFixed(2)} s | ${rate(median(drain.kq)).toLocaleString('en-US')} jobs/s | ${Math.max(...drain.kqRss).toFixed(0)} MB | ${drain.kq.map((s) => s.toFixed(2)).join(', ')} |
| kafkajs eachMessage, no-op | ${median(drain.peer).toFixed(2)} s | ${rate(median(drain.peer)).toLocaleString('en-US')} msg/s | ${Math.max(...drain.peerRss).toFixed(0)} MB | ${drain.peer.map((s) => s.toFixed(2)).join(', ')} |

kq / peer throughput: **${(rate(median(drain.kq)) / rate(median(drain.peer))).toFixed(2)}x** (goal: at least 1.0x)

## Latency: ${values.rate} jobs/s for ${values.seconds}s, from send to handler, kq then its peer

| | p50 | p90 | p99 | max | jobs measured |
|---|---|---|---|---|---|
${latencyRow('`dispatch()` to `kq work` handle()', latency.kq)}
${latencyRow('kafkajs send() to eachMessage', latency.peer)}

kq / peer latency: p50 **${latencyRatio(50)}x**, p99 **${latencyRatio(99)}x**.

Goal: p50 at most 5 ms, p99 at most 25 ms.
`
console.log(report)
writeFileSync(path.join(root, 'bench', 'results', 'worker.md'), report)
