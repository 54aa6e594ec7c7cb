#!/usr/bin/env node
// `npm test`: the whole suite in two mocha processes at once, each with a broker of its own.
//
// Most of the suite's time is spent waiting (for brokers to start, for groups to rebalance, for
// workers to stop), with half of the two cores idle. Two lanes fill them:
// - `clusters`: the files that start Kafka clusters of their own, or use the run's shared
//   three-node or secured one. They kill and restart nodes, so they stay together, one at a time,
//   as before; with them, a few other files (EVEN_OUT) so that both lanes take about as long.
// - `rest`: every other file, against its lane's own single broker.
// The `rest` lane prints as it goes; the `clusters` lane's output is kept and printed whole once
// both are done, so the two never interleave. The last line adds both up. Arguments after
// `npm test --` go to both mocha processes (for example `--grep dispatch`).
import {spawn} from 'node:child_process'
import {createWriteStream, readFileSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const testRoot = path.join(root, 'dist', 'test')
const mochaBin = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js')
const extraArgs = process.argv.slice(2)

/** What marks a file as one of the `clusters` lane: it starts or shares a cluster besides the lane's broker. */
const CLUSTER_USE = /sharedTrio\(|sharedSecuredKafka\(|startJarKafka\(|startLocalKafka\(|FaultCluster\.|\[\s*'kafka:up'/

const files = readdirSync(testRoot, {recursive: true})
  .filter((file) => file.endsWith('.test.js'))
  .map((file) => path.join('dist', 'test', file))
  .sort()
/**
 * Files of the other kind run in this lane too, so that both take about as long: the second lane
 * holds more (measured per file with scripts/test-times-reporter.cjs).
 */
const EVEN_OUT = ['faults/soak.test.js', 'commands/pause.test.js', 'commands/dashboard-browser.test.js']
const inClustersLane = (file) =>
  EVEN_OUT.some((name) => file.endsWith(path.join('test', name))) || CLUSTER_USE.test(readFileSync(path.join(root, file), 'utf8'))
const clusters = files.filter(inClustersLane)
const rest = files.filter((file) => !clusters.includes(file))

const children = new Set()
// A terminal's Ctrl-C reaches both lanes by itself (one process group): this process only waits
// for them, to print what they said. A SIGTERM, sent to this process alone, is passed on.
process.on('SIGINT', () => {})
process.on('SIGTERM', () => {
  for (const child of children) child.kill('SIGTERM')
})

function runMocha(laneFiles, output) {
  const child = spawn(process.execPath, [mochaBin, ...extraArgs, ...laneFiles], {cwd: root, stdio: ['ignore', output, output]})
  children.add(child)
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      children.delete(child)
      resolve(code ?? (signal ? 1 : 0))
    })
  })
  return {child, exited}
}

process.stdout.write(`Tests in two lanes at once: ${clusters.length} files with clusters of their own (and a few to even the lanes out), ${rest.length} files on a broker of their own.\n`)

// The clusters lane starts first, and the other once its broker is up: on a new machine that
// broker's start also downloads Kafka's jars, which two lanes must not do at once.
const clustersLog = path.join(tmpdir(), `kq-test-clusters-${process.pid}.log`)
const clustersFile = createWriteStream(clustersLog)
await new Promise((resolve) => clustersFile.on('open', resolve))
const clustersLane = runMocha(clusters, 'pipe')
clustersLane.child.stdout.pipe(clustersFile)
const started = new Promise((resolve) => {
  let seen = ''
  clustersLane.child.stderr.on('data', (chunk) => {
    clustersFile.write(chunk)
    seen += chunk
    if (/tests use /.test(seen)) resolve()
  })
  clustersLane.exited.then(resolve)
})
await started
const restLane = runMocha(rest, 'pipe')
let restOutput = ''
restLane.child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk)
  restOutput += chunk
})
restLane.child.stderr.pipe(process.stderr)

const [clustersCode, restCode] = await Promise.all([clustersLane.exited, restLane.exited])
await new Promise((resolve) => clustersFile.end(resolve))
const clustersOutput = readFileSync(clustersLog, 'utf8')
process.stdout.write(`\nThe lane of the files with clusters of their own:\n${clustersOutput}`)
rmSync(clustersLog, {force: true})

// Both lanes' counts from mocha's closing lines, added up in one line: `N passed, N failed`.
const count = (word) => [restOutput, clustersOutput].reduce((sum, text) => sum + Number(new RegExp(`^\\s*(\\d+) ${word}`, 'm').exec(text)?.[1] ?? 0), 0)
const failedLanes = [clustersCode, restCode].filter((code) => code !== 0).length
process.stdout.write(`\ntests: ${count('passing')} passed, ${count('failing')} failed, ${count('pending')} skipped\n`)
if (failedLanes > 0 && count('failing') === 0) process.stdout.write('a lane ended with an error before its tests finished: see its output above\n')
process.exitCode = failedLanes > 0 ? 1 : 0
