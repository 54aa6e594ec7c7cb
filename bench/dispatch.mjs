#!/usr/bin/env node
// Dispatch benchmarks, kq side by side with its peers, in one run against one broker.
//
//   node bench/dispatch.mjs [--counts 100000,1000000] [--batch 1000] [--runs 5] [--single-runs 15] [--sequential 10000]
//
// Needs a built kq (npm run build) and a broker: KAFKA_BROKERS, else 127.0.0.1:9092
// (`node bin/run.js kafka:up`), Java for Kafka's own ProducerPerformance (the jars kafka:up
// keeps in .kq/cache, plus kafka-tools, fetched once with Maven) and kcat. Each measurement is
// a whole process, start to exit, as a user would see it, except the sequential loop, timed
// inside; kq and its peers alternate so that drift in the machine hits all of them alike.
// Every record is one NDJSON line of 200 bytes.
//
// 1. Start-up: `kq --version` and `kq --help` against `node -e 0`. Goal: at most 2x.
// 2. Bulk, for each count: `kq dispatch --ndjson` against a kafkajs sendBatch loop of the raw
//    lines (goal: kq at least 0.85x its throughput), the same loop sending kq's messages, kcat -P
//    and Kafka's ProducerPerformance, all acks=all and idempotent.
// 3. One job: `kq dispatch Job '{..}'` (.js and .ts job) against a 20-line kafkajs script.
//    Goal: at most 1.2x.
// 4. `Job.dispatch()` from application code, awaited one at a time, against kafkajs send()
//    awaited per message. Goal: at most 1.1x.
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {parseArgs} from 'node:util'

import {DEFAULT_KAFKA_VERSION} from '../dist/src/lib/local-kafka/cluster.js'
import {median, peer as peerScript, root, runJs} from './lib/harness.mjs'

const {values} = parseArgs({
  options: {
    counts: {type: 'string', default: '100000,1000000'},
    batch: {type: 'string', default: '1000'},
    runs: {type: 'string', default: '5'},
    'single-runs': {type: 'string', default: '15'},
    sequential: {type: 'string', default: '10000'},
  },
})
const counts = values.counts.split(',').map(Number)
const batch = Number(values.batch)
const runs = Number(values.runs)
const singleRuns = Number(values['single-runs'])
const sequential = Number(values.sequential)
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const command = `node bench/dispatch.mjs --counts ${values.counts} --batch ${batch} --runs ${runs} --single-runs ${singleRuns} --sequential ${sequential}`

// A throwaway application: its jobs folders and node_modules/kq pointing at this repository.
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

const env = {...process.env, KAFKA_BROKERS: brokers, NO_COLOR: '1'}
const run = (file, args, options = {}) =>
  spawnSync(file, args, {cwd: app, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options, env: {...env, ...options.env}})
const kq = (args, jobs = 'jobs-js') => () => run(process.execPath, ['--', runJs, ...args], {env: {KQ_JOBS_DIR: jobs}})
const node = (script, ...args) => () => run(process.execPath, [peerScript(script), ...args])

const topic = `bench-dispatch-${Date.now()}`
const created = kq(['topic:create', topic, '--partitions', '3'])()
if (created.status !== 0) throw new Error(`topic:create failed: ${created.stderr}`)

/** n NDJSON lines of exactly 200 bytes each (newline not counted). */
function writeLines(n) {
  const file = path.join(app, `jobs-${n}.ndjson`)
  const lines = []
  for (let i = 0; i < n; i++) {
    const line = JSON.stringify({userId: i % 1000, data: `job number ${i} of the benchmark `})
    lines.push(`${line.slice(0, -2)}${'x'.repeat(200 - line.length)}"}`)
  }

  writeFileSync(file, `${lines.join('\n')}\n`)
  return file
}

/** Kafka's ProducerPerformance: the jars kafka:up uses, and kafka-tools beside them. */
function producerPerformance() {
  const lib = path.join(root, '.kq', 'cache', `kafka-${DEFAULT_KAFKA_VERSION}`, 'lib')
  const tools = path.join(root, '.kq', 'cache', `kafka-${DEFAULT_KAFKA_VERSION}`, 'tools')
  if (!existsSync(lib)) throw new Error(`no Kafka jars in ${lib}: run \`node bin/run.js kafka:up\` once`)
  if (!existsSync(tools) || readdirSync(tools).length === 0) {
    execFileSync('mvn', ['-q', 'dependency:copy', `-Dartifact=org.apache.kafka:kafka-tools:${DEFAULT_KAFKA_VERSION}`, `-DoutputDirectory=${tools}`], {stdio: 'inherit'})
  }

  const classpath = `${lib}/*${path.delimiter}${tools}/*`
  return (file, n) => () =>
    run('java', ['-cp', classpath, 'org.apache.kafka.tools.ProducerPerformance', '--topic', topic, '--num-records', String(n),
      '--payload-file', file, '--throughput', '-1', '--producer-props', `bootstrap.servers=${brokers}`, 'acks=all', 'enable.idempotence=true'])
}

function timed(start) {
  const started = process.hrtime.bigint()
  const result = start()
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (result.status !== 0) throw new Error(`run failed (${result.status}): ${result.stderr}`)
  return {seconds, stdout: result.stdout}
}

/** Runs each contender once per round, in turn, for `rounds` rounds: their times in seconds. */
function alternate(rounds, contenders) {
  const times = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]))
  for (let round = 0; round < rounds; round++) {
    for (const [name, start] of Object.entries(contenders)) times[name].push(timed(start))
  }

  return times
}

const seconds = (results) => results.map((result) => result.seconds)
const ms = (value) => `${(value * 1000).toFixed(0)} ms`
const list = (numbers) => numbers.map((value) => value.toFixed(2)).join(', ')
const rate = (n, value) => `${Math.round(n / value).toLocaleString('en-US')}/s`
const sections = []

// 1. Start-up.
const startup = alternate(singleRuns, {
  node: () => run(process.execPath, ['-e', '0']),
  version: kq(['--version']),
  help: kq(['--help']),
})
const nodeMedian = median(seconds(startup.node))
sections.push(`## Start-up, process start to exit (${singleRuns} runs each)

| | median | min | max | / \`node -e 0\` |
|---|---|---|---|---|
${[['`node -e 0`', 'node'], ['`kq --version`', 'version'], ['`kq --help`', 'help']]
  .map(([label, key]) => {
    const times = seconds(startup[key])
    return `| ${label} | ${ms(median(times))} | ${ms(Math.min(...times))} | ${ms(Math.max(...times))} | ${(median(times) / nodeMedian).toFixed(2)}x |`
  })
  .join('\n')}

Goal: \`kq --version\` and \`kq --help\` at most 2x \`node -e 0\`.`)

// 2. Bulk.
const perf = producerPerformance()
for (const n of counts) {
  const file = writeLines(n)
  const bulk = alternate(runs, {
    kq: kq(['dispatch', 'BenchJob', '--ndjson', file, '--batch-size', String(batch), '--queue', topic]),
    raw: node('kafkajs-send-batch.mjs', brokers, topic, file, String(batch)),
    envelopes: node('kafkajs-send-batch-envelopes.mjs', brokers, topic, file, String(batch)),
    kcat: () => run('kcat', ['-P', '-b', brokers, '-t', topic, '-l', file, '-X', 'acks=all', '-X', 'enable.idempotence=true']),
    perf: perf(file, n),
  })
  const med = Object.fromEntries(Object.entries(bulk).map(([name, results]) => [name, median(seconds(results))]))
  // Its last line is the whole run's figure; the lines before it, each 5-second window's.
  const perfOwn = median(bulk.perf.map((result) => Number([...result.stdout.matchAll(/([\d.]+) records\/sec/g)].at(-1)?.[1] ?? Number.NaN)))
  const row = (label, key) => `| ${label} | ${med[key].toFixed(2)} s | ${rate(n, med[key])} | ${(med.kq / med[key]).toFixed(2)}x | ${list(seconds(bulk[key]))} |`
  sections.push(`## Bulk: ${n.toLocaleString('en-US')} records of 200 bytes, batches of ${batch}

| | median wall time | throughput | kq / it | runs (s) |
|---|---|---|---|---|
${row('`kq dispatch --ndjson`', 'kq')}
${row('kafkajs sendBatch loop, raw lines', 'raw')}
${row("kafkajs sendBatch loop, kq's messages", 'envelopes')}
${row('`kcat -P`', 'kcat')}
${row("Kafka's ProducerPerformance (JVM)", 'perf')}

kq / raw-lines peer throughput: **${(med.raw / med.kq).toFixed(2)}x** (goal: at least 0.85x); kq / same-messages
peer: **${(med.envelopes / med.kq).toFixed(2)}x**. ProducerPerformance's own count, without the JVM's start:
${Math.round(perfOwn).toLocaleString('en-US')} records/s. The "kq / it" column is kq's wall time over each one's.`)
}

// 3. One job.
const single = alternate(singleRuns, {
  js: kq(['dispatch', 'BenchJob', '{"data":"x"}', '--queue', topic]),
  ts: kq(['dispatch', 'BenchJob', '{"data":"x"}', '--queue', topic], 'jobs-ts'),
  peer: node('kafkajs-send-one.mjs', brokers, topic),
})
const singleRow = (label, key) => {
  const times = seconds(single[key])
  return `| ${label} | ${ms(median(times))} | ${ms(Math.min(...times))} | ${ms(Math.max(...times))} |`
}

sections.push(`## One job, process start to exit (${singleRuns} runs each)

| | median | min | max |
|---|---|---|---|
${singleRow('`kq dispatch` (.js job)', 'js')}
${singleRow('`kq dispatch` (.ts job via jiti)', 'ts')}
${singleRow('kafkajs 20-line script', 'peer')}

kq / peer wall time: **${(median(seconds(single.js)) / median(seconds(single.peer))).toFixed(2)}x** (.js job), **${(median(seconds(single.ts)) / median(seconds(single.peer))).toFixed(2)}x** (.ts job) (goal: at most 1.2x)`)

// 4. Job.dispatch() awaited one at a time.
const sequentialFile = writeLines(sequential)
const loops = alternate(runs, {
  kq: node('kq-dispatch-sequential.mjs', topic, sequentialFile, String(sequential)),
  kafkajs: node('kafkajs-send-sequential.mjs', brokers, topic, sequentialFile, String(sequential)),
})
const loopSeconds = (results) => results.map((result) => Number(/loop ([\d.]+)/.exec(result.stdout)[1]))
const loopCpu = (results) => results.map((result) => Number(/cpu ([\d.]+)/.exec(result.stdout)[1]))
const kqLoop = median(loopSeconds(loops.kq))
const peerLoop = median(loopSeconds(loops.kafkajs))
const kqCpu = median(loopCpu(loops.kq))
const peerCpu = median(loopCpu(loops.kafkajs))
const perDispatch = (seconds) => `${((seconds / sequential) * 1e6).toFixed(0)} µs`
sections.push(`## \`Job.dispatch()\` from application code: ${sequential.toLocaleString('en-US')} sequential awaits

| | median loop time | per dispatch | CPU per dispatch | runs (s) |
|---|---|---|---|---|
| \`await Job.dispatch()\` | ${kqLoop.toFixed(2)} s | ${perDispatch(kqLoop)} | ${perDispatch(kqCpu)} | ${list(loopSeconds(loops.kq))} |
| kafkajs \`await producer.send()\` | ${peerLoop.toFixed(2)} s | ${perDispatch(peerLoop)} | ${perDispatch(peerCpu)} | ${list(loopSeconds(loops.kafkajs))} |

kq / kafkajs loop time: **${(kqLoop / peerLoop).toFixed(2)}x** (goal: at most 1.1x); CPU time: ${(kqCpu / peerCpu).toFixed(2)}x. Timed inside each process, after its first send;
CPU is user + system time of the loop, far steadier than its wall time on a shared machine.`)

const report = `# Dispatch benchmark

Command: \`${command}\`
Date: ${new Date().toISOString()}; Node ${process.version}; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg().map((value) => value.toFixed(1)).join(' ')} at the end;
broker ${brokers}; topic with 3 partitions; medians, kq and its peers alternating.

${sections.join('\n\n')}
`
console.log(report)
writeFileSync(path.join(root, 'bench', 'results', 'dispatch.md'), report)
