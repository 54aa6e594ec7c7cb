#!/usr/bin/env node
// The fault suite at full size: real workers and real Kafka nodes killed while jobs run, a
// ledger of every job that finished (fsync'd by the job itself), and the tally of dispatched
// against done and dead-lettered. Writes bench/results/faults.md.
//
//   npm run faults [-- --size full|ci] [--only kill1,kill8,several,sigterm,replay,broker,leader,quorum,down]
//
// The test suite runs the same scenarios at the `ci` size (test/faults/faults.test.ts). Needs
// a built kq (npm run build), Java and kcat (npm run setup); starts its own local Kafka
// clusters (1 and 3 nodes, Kafka's default release for kafka:up) and removes them after.
import {writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {parseArgs} from 'node:util'

import {DEFAULT_KAFKA_VERSION} from '../dist/src/lib/local-kafka/index.js'
import {dispatchWhileDown, loseLeader, loseQuorum, restartBroker} from '../dist/test/faults/broker-faults.js'
import {FaultCluster} from '../dist/test/faults/cluster.js'
import {faultTable} from '../dist/test/faults/report.js'
import {FaultRig} from '../dist/test/faults/rig.js'
import {killReplay, killSeveralWorkers, killWorker, stopWorkerGracefully} from '../dist/test/faults/worker-faults.js'
import {root} from './lib/harness.mjs'

const WORKER_SCENARIOS = {
  kill1: (rig, size) => killWorker(rig, size, 1),
  kill8: (rig, size) => killWorker(rig, size, 8),
  several: killSeveralWorkers,
  sigterm: stopWorkerGracefully,
  replay: killReplay,
}
const SINGLE_BROKER = {broker: restartBroker}
const THREE_NODES = {leader: loseLeader, quorum: loseQuorum}
const ALL = [...Object.keys(WORKER_SCENARIOS), ...Object.keys(SINGLE_BROKER), ...Object.keys(THREE_NODES), 'down']

const {values} = parseArgs({options: {size: {type: 'string', default: 'full'}, only: {type: 'string', default: ALL.join(',')}}})
const only = values.only.split(',')
if (!['ci', 'full'].includes(values.size) || only.some((name) => !ALL.includes(name))) {
  console.error(`usage: npm run faults -- [--size full|ci] [--only ${ALL.join(',')}]`)
  process.exit(2)
}

process.chdir(root)
const results = []
const notes = []
const say = (line) => process.stdout.write(`${line}\n`)

async function onCluster(name, nodes, scenarios, run) {
  const wanted = Object.entries(scenarios).filter(([key]) => only.includes(key))
  if (wanted.length === 0 && !(name === 'single' && only.includes('down'))) return
  say(`starting a ${nodes}-node Kafka for: ${wanted.map(([key]) => key).join(', ') || 'down'}`)
  const cluster = await FaultCluster.start(`faults-${name}`, nodes)
  const rig = new FaultRig(cluster.brokers)
  try {
    for (const [key, scenario] of wanted) {
      say(`  ${key}...`)
      const result = await run(scenario, rig, cluster)
      say(`  ${key}: ${result.dispatched} jobs, lost ${result.lost}, re-run ${result.reRuns} (${result.seconds.toFixed(0)} s)`)
      results.push(result)
    }

    if (name === 'single' && only.includes('down')) {
      const {single, bulkRefused, bulkCut} = await dispatchWhileDown(rig, cluster, values.size)
      // The jobs file lives in a temporary folder of this run: its name says nothing to a reader.
      const tidy = (text) => text.trim().replace(/\S*\/(jobs-[\w-]+\.ndjson)/g, 'jobs.ndjson')
      notes.push(
        `- Dispatch to a stopped broker (KAFKA_CONNECT_TIMEOUT=3): exit ${single.code} after ${single.seconds.toFixed(1)} s, \`${tidy(single.stderr)}\``,
        `- Bulk dispatch to a stopped broker: exit ${bulkRefused.code} after ${bulkRefused.seconds.toFixed(1)} s`,
        `- Bulk dispatch of ${bulkCut.lines} lines, its broker killed -9 part way: exit ${bulkCut.code}, ${bulkCut.onTopic} jobs on the topic, \`${tidy(bulkCut.stderr)}\``,
      )
      say(notes.slice(-3).join('\n'))
    }
  } finally {
    await rig.close()
    await cluster.remove()
  }
}

const started = Date.now()
await onCluster('workers', 1, WORKER_SCENARIOS, (scenario, rig) => scenario(rig, values.size))
await onCluster('single', 1, SINGLE_BROKER, (scenario, rig, cluster) => scenario(rig, cluster, values.size))
await onCluster('trio', 3, THREE_NODES, (scenario, rig, cluster) => scenario(rig, cluster, values.size))

const command = `npm run faults -- --size ${values.size}${values.only === ALL.join(',') ? '' : ` --only ${values.only}`}`
const report = [
  '# Fault suite',
  '',
  `\`${command}\`, ${new Date().toISOString().slice(0, 10)}, Kafka ${DEFAULT_KAFKA_VERSION} from Maven jars, Node ${process.version}, ${os.cpus().length} cores, ` +
    `${((Date.now() - started) / 60_000).toFixed(1)} min in all.`,
  '',
  'Every job appends its id to a ledger and fsyncs it once its work is done; afterwards the ids on the queue topic (read by kcat) are',
  'compared with the ledger and the dead-letter topic. **lost** is a dispatched job that neither finished nor waits as a dead letter;',
  '**re-run** counts finished runs beyond each job\'s first (at-least-once: what a fault costs). 5 % of jobs fail their first attempt and',
  'pass their retry, so retries are in flight when the faults strike.',
  '',
  faultTable(results),
  '',
  ...notes,
  '',
].join('\n')
const file = path.join(root, 'bench', 'results', `faults${values.size === 'ci' ? '-ci' : ''}.md`)
writeFileSync(file, report)
say(`\n${faultTable(results)}\n\nwrote ${path.relative(root, file)}`)
process.exit(results.some((result) => result.lost > 0) ? 1 : 0)
