#!/usr/bin/env node
// Dispatch benchmarks, kq side by side with raw kafkajs, in one run against one broker.
//
//   node bench/dispatch.mjs [--count 100000] [--batch 1000] [--runs 5] [--single-runs 20]
//
// Needs a built kq (npm run build) and a broker: KAFKA_BROKERS, else 127.0.0.1:9092
// (`node bin/run.js kafka:up`). Each measurement is a whole process, start to exit, as a user
// would see it; kq and its peer alternate so that drift in the machine hits both alike.
//
// 1. Bulk: `kq dispatch BenchJob --ndjson <file> --batch-size B` against a kafkajs loop that
//    reads the same file and calls sendBatch with B messages at a time (peers/kafkajs-send-batch.mjs).
//    Goal: kq's throughput at least 0.85x the peer's.
// 2. One job: `kq dispatch BenchJob '{"data":"x"}'` against a 20-line kafkajs script that
//    connects, sends one message and disconnects (peers/kafkajs-send-one.mjs). Goal: kq's wall
//    time at most 1.2x the peer's. Measured with a .js job and with a .ts job (loaded by jiti).
import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, symlinkSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const {values} = parseArgs({
  options: {
    count: {type: 'string', default: '100000'},
    batch: {type: 'string', default: '1000'},
    runs: {type: 'string', default: '5'},
    'single-runs': {type: 'string', default: '20'},
  },
})
const count = Number(values.count)
const batch = Number(values.batch)
const runs = Number(values.runs)
const singleRuns = Number(values['single-runs'])
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'

// A throwaway application: its jobs folder and node_modules/kq pointing at this repository.
const app = mkdtempSync(path.join(os.tmpdir(), 'kq-bench-'))
mkdirSync(path.join(app, 'node_modules'))
symlinkSync(root, path.join(app, 'node_modules', 'kq'))
for (const [folder, extension] of [['jobs-js', 'js'], ['jobs-ts', 'ts']]) {
  mkdirSync(path.join(app, folder))
  writeFileSync(
    path.join(app, folder, `BenchJob.${extension}`),
    `import {Job} from 'kq'\nexport default class BenchJob extends Job {\n  async handle() {}\n}\n`,
  )
}

const topic = `bench-dispatch-${Date.now()}`
const kq = (args, env = {}) =>
  spawnSync(process.execPath, ['--', path.join(root, 'bin', 'run.js'), ...args], {
    cwd: app,
    env: {...process.env, KAFKA_BROKERS: brokers, NO_COLOR: '1', ...env},
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
const created = kq(['topic:create', topic, '--partitions', '3'])
if (created.status !== 0) throw new Error(`topic:create failed: ${created.stderr}`)

const ndjson = path.join(app, 'jobs.ndjson')
const lines = []
for (let i = 0; i < count; i++) lines.push(JSON.stringify({userId: i % 1000, data: `job number ${i} of the benchmark`}))
writeFileSync(ndjson, lines.join('\n') + '\n')

function timed(run) {
  const started = process.hrtime.bigint()
  const result = run()
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (result.status !== 0) throw new Error(`run failed (${result.status}): ${result.stderr}`)
  return seconds
}

const median = (numbers) => {
  const sorted = [...numbers].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

const peer = (script, ...args) => () =>
  spawnSync(process.execPath, [path.join(root, 'bench', 'peers', script), ...args], {encoding: 'utf8', cwd: root})

// Warm-up: the jiti cache, the OS file cache and the broker's first segment.
kq(['dispatch', 'BenchJob', '{"data":"warm"}', '--queue', topic], {KQ_JOBS_DIR: 'jobs-ts'})
peer('kafkajs-send-one.mjs', brokers, topic)()

const bulk = {kq: [], peer: [], envelopes: []}
for (let run = 0; run < runs; run++) {
  bulk.kq.push(
    timed(() =>
      kq(['dispatch', 'BenchJob', '--ndjson', ndjson, '--batch-size', String(batch), '--queue', topic], {
        KQ_JOBS_DIR: 'jobs-js',
      }),
    ),
  )
  bulk.peer.push(timed(peer('kafkajs-send-batch.mjs', brokers, topic, ndjson, String(batch))))
  bulk.envelopes.push(timed(peer('kafkajs-send-batch-envelopes.mjs', brokers, topic, ndjson, String(batch))))
}

const single = {kqJs: [], kqTs: [], peer: []}
for (let run = 0; run < singleRuns; run++) {
  single.kqJs.push(timed(() => kq(['dispatch', 'BenchJob', '{"data":"x"}', '--queue', topic], {KQ_JOBS_DIR: 'jobs-js'})))
  single.kqTs.push(timed(() => kq(['dispatch', 'BenchJob', '{"data":"x"}', '--queue', topic], {KQ_JOBS_DIR: 'jobs-ts'})))
  single.peer.push(timed(peer('kafkajs-send-one.mjs', brokers, topic)))
}

const rate = (seconds) => Math.round(count / seconds)
const bulkRatio = rate(median(bulk.kq)) / rate(median(bulk.peer))
const report = `# Dispatch benchmark

Command: \`node bench/dispatch.mjs --count ${count} --batch ${batch} --runs ${runs} --single-runs ${singleRuns}\`
Date: ${new Date().toISOString()}; Node ${process.version}; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'});
broker ${brokers}; topic with 3 partitions; medians of whole-process wall times, kq and peer alternating.

## Bulk: ${count.toLocaleString('en-US')} jobs, batches of ${batch}

| | median wall time | throughput | runs (s) |
|---|---|---|---|
| \`kq dispatch --ndjson\` | ${median(bulk.kq).toFixed(2)} s | ${rate(median(bulk.kq)).toLocaleString('en-US')} jobs/s | ${bulk.kq.map((s) => s.toFixed(2)).join(', ')} |
| kafkajs sendBatch loop, raw lines | ${median(bulk.peer).toFixed(2)} s | ${rate(median(bulk.peer)).toLocaleString('en-US')} msg/s | ${bulk.peer.map((s) => s.toFixed(2)).join(', ')} |
| kafkajs sendBatch loop, kq's messages | ${median(bulk.envelopes).toFixed(2)} s | ${rate(median(bulk.envelopes)).toLocaleString('en-US')} msg/s | ${bulk.envelopes.map((s) => s.toFixed(2)).join(', ')} |

kq / raw-lines peer throughput: **${bulkRatio.toFixed(2)}x** (goal: at least 0.85x)
kq / same-messages peer throughput: **${(rate(median(bulk.kq)) / rate(median(bulk.envelopes))).toFixed(2)}x**

The raw-lines peer sends each NDJSON line as it is, with no headers; the same-messages peer
wraps each line in kq's envelope with kq's two headers, by string templates and without checks.
The difference between the two peers is the cost of the wire format in kafkajs, which encodes
each header with several small buffers.

## One job, process start to exit

| | median | min | max |
|---|---|---|---|
| \`kq dispatch\` (.js job) | ${(median(single.kqJs) * 1000).toFixed(0)} ms | ${(Math.min(...single.kqJs) * 1000).toFixed(0)} ms | ${(Math.max(...single.kqJs) * 1000).toFixed(0)} ms |
| \`kq dispatch\` (.ts job via jiti) | ${(median(single.kqTs) * 1000).toFixed(0)} ms | ${(Math.min(...single.kqTs) * 1000).toFixed(0)} ms | ${(Math.max(...single.kqTs) * 1000).toFixed(0)} ms |
| kafkajs 20-line script | ${(median(single.peer) * 1000).toFixed(0)} ms | ${(Math.min(...single.peer) * 1000).toFixed(0)} ms | ${(Math.max(...single.peer) * 1000).toFixed(0)} ms |

kq / peer wall time: **${(median(single.kqJs) / median(single.peer)).toFixed(2)}x** (.js job), **${(median(single.kqTs) / median(single.peer)).toFixed(2)}x** (.ts job) (goal: at most 1.2x)
`
console.log(report)
writeFileSync(path.join(root, 'bench', 'results', 'dispatch.md'), report)
