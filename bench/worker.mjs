#!/usr/bin/env node
// Worker benchmarks: kq's worker engine against raw kafkajs and against the ideal, in one run
// against one broker, every scenario in alternating runs; writes bench/results/worker.md and
// worker.json.
//
//   node bench/worker.mjs [--count 200000] [--partitions 3] [--jobs 10000] [--mixed-jobs 5000]
//                         [--rate 1000] [--seconds 20] [--runs 3] [--only drain,uniform,mixed,latency]
//
// A quick smoke run: --count 20000 --jobs 2000 --mixed-jobs 2000 --seconds 5 --runs 1.
// Needs a built kq (npm run build) and a broker: KAFKA_BROKERS, else 127.0.0.1:9092. The Kafka
// release is read from kq's local Kafka in --kafka-dir (default .kq/kafka) when it is that broker.
//
// drain    <count> no-op jobs on <partitions> partitions: `kq work --stop-when-empty
//          --concurrency <partitions>` in a new group, against a kafkajs eachMessage consumer
//          with a no-op handler (peers/kafkajs-consume.mjs) in another, whole processes. Goals:
//          throughput at least 1.0x the peer's; peak RSS at most 1.25x the peer's. Also, for
//          where the time goes: `kq work --quiet` (no line a job), and the envelope floor
//          (peers/kafkajs-consume-envelopes.mjs: kafkajs eachBatch parsing each record's JSON
//          and headers, the least any reader of kq's messages does).
// uniform  <jobs> Sleep jobs of 50 ms on 1 partition, concurrency 200. Job time is the worker's
//          wall time less that of a no-op drain of as many jobs on 1 partition at the same
//          concurrency in the same run, so start-up and shut-down count once. Goal: within
//          1.1x of the ideal, count x duration / concurrency.
// mixed    <mixed-jobs> Sleep jobs on 1 partition, concurrency 100: every 100th sleeps 2 s, the
//          rest 10 ms. Job time as above. Goal: within 1.3x of the ideal, the longer of the
//          slowest job and the total work / concurrency. A worker that waits for a whole fetched
//          batch before fetching more pays for a slow job once a batch.
// latency  Timed jobs dispatched at <rate> a second for <seconds> seconds while a worker runs
//          (concurrency <partitions>), from just before dispatch() to the start of handle();
//          then kafkajs alone, send() to eachMessage. Goals: p50 within 1 ms of kafkajs's,
//          p99 at most 25 ms.
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {parseArgs} from 'node:util'

import {backlog, kafkaVersion, kqWork, machine, makeApp, peer, percentile, root, timedProcess} from './lib/harness.mjs'
import {kqLatencies, peerLatencies} from './lib/latency.mjs'
import {markdown, summarize} from './lib/worker-report.mjs'

const SECTIONS = ['drain', 'uniform', 'mixed', 'latency']
const {values} = parseArgs({
  options: {
    count: {type: 'string', default: '200000'},
    partitions: {type: 'string', default: '3'},
    jobs: {type: 'string', default: '10000'},
    'mixed-jobs': {type: 'string', default: '5000'},
    rate: {type: 'string', default: '1000'},
    seconds: {type: 'string', default: '20'},
    runs: {type: 'string', default: '3'},
    only: {type: 'string', default: SECTIONS.join(',')},
    'kafka-dir': {type: 'string', default: '.kq/kafka'},
  },
})
const only = values.only.split(',')
const unknown = only.filter((section) => !SECTIONS.includes(section))
if (unknown.length > 0) {
  console.error(`--only: no section ${unknown.join(', ')}; the sections are ${SECTIONS.join(', ')}`)
  process.exit(2)
}

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const settings = {
  runs: Number(values.runs),
  drain: {count: Number(values.count), partitions: Number(values.partitions)},
  uniform: {count: Number(values.jobs), ms: 50, concurrency: 200, partitions: 1},
  mixed: {count: Number(values['mixed-jobs']), slowMs: 2000, fastMs: 10, slowEvery: 100, concurrency: 100, partitions: 1},
  latency: {rate: Number(values.rate), seconds: Number(values.seconds), partitions: Number(values.partitions), concurrency: Number(values.partitions)},
}
const enabled = (section) => only.includes(section)

const app = makeApp(brokers)
const stamp = Date.now()
const noops = (count) => Array.from({length: count}, (_, n) => ({n}))

// The backlogs, each on its own queue, written once and read by a new group in every run.
const topics = {}
if (enabled('drain')) {
  topics.drain = `bench-drain-${stamp}`
  backlog(app, {topic: topics.drain, partitions: settings.drain.partitions, job: 'Noop', payloads: noops(settings.drain.count)})
}

if (enabled('uniform')) {
  const {count, ms, partitions} = settings.uniform
  topics.uniform = {jobs: `bench-uniform-${stamp}`, noop: `bench-uniform-noop-${stamp}`}
  backlog(app, {topic: topics.uniform.jobs, partitions, job: 'Sleep', payloads: Array.from({length: count}, () => ({ms}))})
  backlog(app, {topic: topics.uniform.noop, partitions, job: 'Noop', payloads: noops(count)})
}

// Every <slowEvery>th job is slow, so slow jobs are spread evenly through the backlog.
const {count: mixedCount, slowMs, fastMs, slowEvery} = settings.mixed
const mixedPayloads = Array.from({length: mixedCount}, (_, n) => ({ms: n % slowEvery === slowEvery - 1 ? slowMs : fastMs}))
settings.mixed.totalMs = mixedPayloads.reduce((sum, {ms}) => sum + ms, 0)
// No worker that starts jobs in dispatch order as slots free can beat this: the last slow job
// starts only once every job before it has, and the slow ones ahead hold slots meanwhile.
settings.mixed.inOrderFloorMs = inOrderMakespan(mixedPayloads.map(({ms}) => ms), settings.mixed.concurrency)
if (enabled('mixed')) {
  const {partitions} = settings.mixed
  topics.mixed = {jobs: `bench-mixed-${stamp}`, noop: `bench-mixed-noop-${stamp}`}
  backlog(app, {topic: topics.mixed.jobs, partitions, job: 'Sleep', payloads: mixedPayloads})
  backlog(app, {topic: topics.mixed.noop, partitions, job: 'Noop', payloads: noops(mixedCount)})
}

/** Runs both, one after the other; every other run the second first, so neither always goes first. */
async function pair(run, first, second) {
  if (run % 2 === 0) return [await first(), await second()]
  const later = await second()
  return [await first(), later]
}

/** Runs each in turn, starting one further along the list every run, so that none always goes first. */
async function rotated(run, runners) {
  const names = Object.keys(runners)
  const results = {}
  for (let step = 0; step < names.length; step++) {
    const name = names[(run + step) % names.length]
    results[name] = await runners[name]()
  }

  return results
}

const summary = ({sent, sorted}) => ({sent, measured: sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.at(-1)})

const results = {drain: [], uniform: [], mixed: [], latency: []}
for (let run = 0; run < settings.runs; run++) {
  const group = (name) => `${name}-${stamp}-${run}`
  if (enabled('drain')) {
    const {partitions: concurrency, count} = settings.drain
    const consume = (script, name) => () => timedProcess(process.execPath, [peer(script), brokers, topics.drain, group(name), String(count)], {cwd: root})
    const drain = await rotated(run, {
      kq: () => kqWork(app, {topic: topics.drain, group: group('bench-kq'), concurrency}),
      kqQuiet: () => kqWork(app, {topic: topics.drain, group: group('bench-kq-quiet'), concurrency, extra: ['--quiet']}),
      kafkajs: consume('kafkajs-consume.mjs', 'bench-peer'),
      envelopes: consume('kafkajs-consume-envelopes.mjs', 'bench-peer-envelopes'),
    })
    results.drain.push(drain)
    console.error(`run ${run + 1} drain: ${Object.entries(drain).map(([name, {seconds}]) => `${name} ${seconds.toFixed(2)} s`).join(', ')}`)
  }

  for (const name of ['uniform', 'mixed']) {
    if (!enabled(name)) continue
    const {concurrency} = settings[name]
    const [jobs, noop] = await pair(
      run,
      () => kqWork(app, {topic: topics[name].jobs, group: group(`bench-${name}`), concurrency}),
      () => kqWork(app, {topic: topics[name].noop, group: group(`bench-${name}-noop`), concurrency}),
    )
    results[name].push({jobs, noop, jobSeconds: jobs.seconds - noop.seconds})
    console.error(`run ${run + 1} ${name}: jobs ${jobs.seconds.toFixed(2)} s, no-op ${noop.seconds.toFixed(2)} s`)
  }

  if (enabled('latency')) {
    const {rate, seconds, partitions, concurrency} = settings.latency
    const [kq, kafkajs] = await pair(
      run,
      () => kqLatencies(app, {topic: group('bench-latency'), partitions, concurrency, rate, seconds}),
      () => peerLatencies(app, {topic: group('bench-latency-peer'), partitions, rate, seconds, brokers}),
    )
    results.latency.push({kq: summary(kq), kafkajs: summary(kafkajs)})
    console.error(`run ${run + 1} latency: kq p50 ${percentile(kq.sorted, 50)?.toFixed(1)} ms, kafkajs p50 ${percentile(kafkajs.sorted, 50)?.toFixed(1)} ms`)
  }
}

const meta = {
  command: ['node', 'bench/worker.mjs', ...process.argv.slice(2)].join(' '),
  date: new Date().toISOString(),
  ...machine(),
  kafka: kafkaVersion(brokers, path.resolve(root, values['kafka-dir'])) ?? 'unknown',
  brokers,
}
const rows = summarize(settings, results)
const report = markdown(meta, settings, results, rows)
console.log(report)
writeFileSync(path.join(root, 'bench', 'results', 'worker.md'), report)
writeFileSync(path.join(root, 'bench', 'results', 'worker.json'), JSON.stringify({...meta, settings, rows, runs: results}, null, 2) + '\n')

/** The time to run jobs of these durations on `slots` slots, each started in order on the first free slot. */
function inOrderMakespan(durations, slots) {
  const freeAt = Array.from({length: slots}, () => 0)
  let end = 0
  for (const duration of durations) {
    let first = 0
    for (let slot = 1; slot < slots; slot++) if (freeAt[slot] < freeAt[first]) first = slot
    freeAt[first] += duration
    end = Math.max(end, freeAt[first])
  }

  return end
}
