// What the worker benchmarks share: a throwaway application that uses kq (its jobs folder holds
// the benchmark's job classes), running kq and peers as whole processes, and small statistics.
import {spawn, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const runJs = path.join(root, 'bin', 'run.js')
export const peer = (name) => path.join(root, 'bench', 'peers', name)

const JOBS = {
  'Noop.js': `import {Job} from 'kq'
export default class Noop extends Job {
  async handle() {}
}
`,
  // Sleeps for payload.ms: a job that waits on I/O, as most real jobs do.
  'Sleep.js': `import {setTimeout} from 'node:timers/promises'
import {Job} from 'kq'
export default class Sleep extends Job {
  async handle(payload) {
    await setTimeout(payload.ms)
  }
}
`,
  // Logs how long ago the job was sent; the worker prints the log line with --json.
  'Timed.js': `import {Job} from 'kq'
export default class Timed extends Job {
  async handle(payload, ctx) {
    if (payload.sentAt) ctx.log(String(performance.timeOrigin + performance.now() - payload.sentAt))
  }
}
`,
}

/**
 * A fresh application folder whose node_modules/kq is this checkout, with the benchmark's jobs,
 * and a way to run kq in it against the given brokers.
 */
export function makeApp(brokers) {
  const app = mkdtempSync(path.join(os.tmpdir(), 'kq-bench-worker-'))
  mkdirSync(path.join(app, 'node_modules'))
  mkdirSync(path.join(app, 'jobs'))
  symlinkSync(root, path.join(app, 'node_modules', 'kq'))
  writeFileSync(path.join(app, 'package.json'), '{"type":"module"}\n')
  for (const [file, source] of Object.entries(JOBS)) writeFileSync(path.join(app, 'jobs', file), source)
  const env = {...process.env, KAFKA_BROKERS: brokers, NO_COLOR: '1', KQ_JOBS_DIR: 'jobs'}
  const kq = (args) => check(spawnSync(process.execPath, ['--', runJs, ...args], {cwd: app, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024}), `kq ${args[0]}`)
  return {app, env, kq}
}

function check(result, what) {
  if (result.status !== 0) throw new Error(`${what} failed (${result.status}): ${result.stderr}`)
  return result
}

/** Sends <payloads> as jobs of <job> to a new queue of <partitions>, with `kq dispatch --ndjson`. */
export function backlog({app, kq}, {topic, partitions, job, payloads}) {
  kq(['topic:create', topic, '--partitions', String(partitions)])
  const file = path.join(app, `${topic}.ndjson`)
  writeFileSync(file, payloads.map((payload) => JSON.stringify(payload)).join('\n') + '\n')
  kq(['dispatch', job, '--ndjson', file, '--queue', topic])
}

/** Samples a process's resident memory every 100 ms; the returned function stops and gives the peak in MB. */
function peakRss(pid) {
  let peakKb = 0
  const timer = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8')
      peakKb = Math.max(peakKb, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0))
    } catch {}
  }, 100)
  return () => {
    clearInterval(timer)
    return peakKb / 1024
  }
}

/** Runs a process to its end: wall time from spawn to exit, and peak RSS. Throws if it fails. */
export async function timedProcess(command, args, options) {
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
  const peakMb = stopSampling()
  if (code !== 0) throw new Error(`${args.join(' ')} failed (${code}): ${stderr}`)
  return {seconds, peakMb}
}

/** `kq work --stop-when-empty` in a new group from the queue's beginning, as a whole process. */
export function kqWork({app, env}, {topic, group, concurrency, extra = []}) {
  const args = ['--', runJs, 'work', topic, '--group', group, '--from-beginning', '--stop-when-empty', '--concurrency', String(concurrency), ...extra]
  return timedProcess(process.execPath, args, {cwd: app, env})
}

/**
 * Runs a process and resolves with the number it prints. Not spawnSync: the caller must keep
 * reading a consumer's output meanwhile, or the consumer would stall on a full pipe.
 */
export async function produce(command, args, options) {
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

export function median(numbers) {
  const sorted = [...numbers].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]

/**
 * The Kafka release behind <brokers> as kq's local Kafka records it (`kq kafka:status`), or
 * undefined when the brokers are not that local cluster: Kafka's protocol does not say.
 */
export function kafkaVersion(brokers, dir) {
  const result = spawnSync(process.execPath, ['--', runJs, 'kafka:status', '--json', '--dir', dir], {cwd: root, encoding: 'utf8'})
  try {
    const status = JSON.parse(result.stdout)
    return status.health === 'running' && status.bootstrap.split(',').some((address) => brokers.split(',').includes(address)) ? status.kafkaVersion : undefined
  } catch {
    return undefined
  }
}

export const machine = () => ({node: process.version, cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown CPU'})
