#!/usr/bin/env node
// The soak: a steady stream of dispatches (2 % failing their first attempt, 0.5 % failing for
// good) worked by one `kq work` for a long time, its memory and the group's lag read every 5 s.
// Judged: RSS drift at most 10 % (the median of the last fifth against that of the second
// fifth, after warm-up), no rebalance, and no growing lag (the last quarter's mean lag within
// one second of jobs of the first quarter's); nothing lost, from a ledger as in the fault
// suite. Writes bench/results/soak.md.
//
//   npm run soak [-- --minutes 30 --rate 10000]
//
// Pick a rate the worker keeps up with on the machine, about half its no-op drain rate (see
// bench/results/worker.md: ~52,000 jobs/s with --quiet on a quiet 2-core machine, less with this
// script dispatching beside it); the default is 10,000. The test suite runs half a minute at 200
// jobs/s without judging timings (test/faults/soak.test.ts). Needs a built kq and Java; starts its own local Kafka.
import {writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {parseArgs} from 'node:util'

import {DEFAULT_KAFKA_VERSION} from '../dist/src/lib/local-kafka/index.js'
import {FaultCluster} from '../dist/test/faults/cluster.js'
import {FaultRig} from '../dist/test/faults/rig.js'
import {soak} from '../dist/test/faults/soak.js'
import {root} from './lib/harness.mjs'

const {values} = parseArgs({options: {minutes: {type: 'string', default: '30'}, rate: {type: 'string', default: '10000'}}})
const minutes = Number(values.minutes)
const rate = Number(values.rate)
process.chdir(root)
const cluster = await FaultCluster.start('soak', 1)
const rig = new FaultRig(cluster.brokers)
let result
try {
  result = await soak(rig, {seconds: minutes * 60, rate})
} finally {
  await rig.close()
  await cluster.remove()
}

const checks = [
  ['nothing lost', result.lost === 0, `${result.lost} lost of ${result.dispatched}`],
  ['RSS drift at most 10 %', result.rssDrift <= 0.1, `${(result.rssDrift * 100).toFixed(1)} %`],
  ['no rebalance', result.rebalances === 0, `${result.rebalances}`],
  ['no growing lag', result.lagGrowth <= result.rate.achieved, `last quarter's mean lag ${result.lagGrowth >= 0 ? '+' : ''}${result.lagGrowth.toFixed(0)} jobs against the first's`],
]
const command = `npm run soak -- --minutes ${minutes} --rate ${rate}`
const report = [
  '# Soak',
  '',
  `\`${command}\`, ${new Date().toISOString().slice(0, 10)}, Kafka ${DEFAULT_KAFKA_VERSION} from Maven jars, Node ${process.version}, ${os.cpus().length} cores.`,
  '',
  `${result.dispatched} jobs dispatched at ${result.rate.achieved}/s (asked ${rate}/s) for ${(result.seconds / 60).toFixed(1)} min; ` +
    `${result.done} done, ${result.deadLettered} dead-lettered, ${result.reRuns} re-run.`,
  '',
  '| check | met | measured |',
  '|---|---|---|',
  ...checks.map(([name, met, measured]) => `| ${name} | ${met ? 'yes' : '**no**'} | ${measured} |`),
  '',
  '| s | worker RSS MB | lag | dispatched |',
  '|---|---|---|---|',
  ...result.samples.map((each) => `| ${each.at.toFixed(0)} | ${each.rssMb.toFixed(0)} | ${each.lag} | ${each.dispatched} |`),
  '',
].join('\n')
const file = path.join(root, 'bench', 'results', 'soak.md')
writeFileSync(file, report)
process.stdout.write(`${checks.map(([name, met, measured]) => `${met ? 'met' : 'NOT MET'}  ${name}: ${measured}`).join('\n')}\nwrote ${path.relative(root, file)}\n`)
process.exit(checks.every(([, met]) => met) ? 0 : 1)
