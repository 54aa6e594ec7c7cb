#!/usr/bin/env node
// What loading a job costs the first time a process needs it: JobRegistry.load() of a one-file
// job in a fresh Node process each run (so nothing is cached in memory).
//
//   node bench/job-loading.mjs [--runs 10]
//
// Needs a built kq (npm run build); no broker. Four cases:
//   ts, cold cache   a .ts job, jiti's and kq's file caches empty: the first run after an edit or
//                    a deploy, which jiti compiles and loads, and kq compiles for the next run
//   ts, warm cache   the same job again: kq imports the ES module it compiled, without jiti
//   js               a .js job (ESM): nothing to compile
//   native import()  the .js job through a plain import(), without kq or jiti: the floor
// Each child has kq's library already imported, as a worker has, and reports two spans:
// `jiti` (importing jiti's own code) and `load` (JobRegistry.load, jiti's set-up included).
import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {parseArgs} from 'node:util'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const {values} = parseArgs({options: {runs: {type: 'string', default: '10'}}})
const runs = Number(values.runs)

// A throwaway application, as a user's: "type": "module", node_modules/kq pointing at this
// repository, one job in each language.
const app = mkdtempSync(path.join(os.tmpdir(), 'kq-bench-jobs-'))
writeFileSync(path.join(app, 'package.json'), '{"type": "module", "private": true}\n')
mkdirSync(path.join(app, 'node_modules'))
symlinkSync(root, path.join(app, 'node_modules', 'kq'))
const jobSources = {
  ts:
    "import {Job} from 'kq'\n\nexport default class BenchJob extends Job<{data: string}> {\n  override tries = 3\n\n" +
    '  async handle(payload: {data: string}): Promise<string> {\n    return payload.data\n  }\n}\n',
  js:
    "import {Job} from 'kq'\n\nexport default class BenchJob extends Job {\n  tries = 3\n\n" +
    '  async handle(payload) {\n    return payload.data\n  }\n}\n',
}
for (const [extension, source] of Object.entries(jobSources)) {
  mkdirSync(path.join(app, `jobs-${extension}`))
  writeFileSync(path.join(app, `jobs-${extension}`, `BenchJob.${extension}`), source)
}

const child = path.join(app, 'measure.mjs')
writeFileSync(
  child,
  `import {performance} from 'node:perf_hooks'
await import(${JSON.stringify(pathToFileURL(path.join(root, 'dist', 'src', 'index.js')).href)})
const {JobRegistry} = await import(${JSON.stringify(pathToFileURL(path.join(root, 'dist', 'src', 'lib', 'jobs', 'registry.js')).href)})
const [mode, folder] = process.argv.slice(2)
let jiti = 0
const start = performance.now()
if (mode === 'native') {
  await import(new URL('./' + folder + '/BenchJob.js', import.meta.url).href)
} else {
  await import(${JSON.stringify(import.meta.resolve('jiti'))})
  jiti = performance.now() - start
  const registry = await JobRegistry.scan(new URL('./' + folder, import.meta.url).pathname)
  const BenchJob = await registry.load('BenchJob')
  if (new BenchJob().tries !== 3) throw new Error('the job did not load')
}
process.stdout.write(JSON.stringify({jiti, load: performance.now() - start - jiti}))
`,
)

// jiti keeps its file cache in $TMPDIR/jiti when the code using it has no node_modules beside
// it, and kq its compiled jobs in $TMPDIR/kq-jobs-<uid>: a fresh TMPDIR is an empty cache.
function measure(mode, folder, tmpdir) {
  const started = performance.now()
  const result = spawnSync(process.execPath, [child, mode, folder], {cwd: app, env: {...process.env, TMPDIR: tmpdir}, encoding: 'utf8'})
  const wall = performance.now() - started
  if (result.status !== 0) throw new Error(`${mode} ${folder} failed: ${result.stderr}`)
  return {...JSON.parse(result.stdout), wall}
}

const freshTmp = () => mkdtempSync(path.join(app, 'tmp-'))
const warmTmp = freshTmp()
measure('registry', 'jobs-ts', warmTmp)

const cases = {
  'ts, cold cache': () => measure('registry', 'jobs-ts', freshTmp()),
  'ts, warm cache': () => measure('registry', 'jobs-ts', warmTmp),
  js: () => measure('registry', 'jobs-js', warmTmp),
  'native import()': () => measure('native', 'jobs-js', warmTmp),
}
const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]))
// Cases alternate within each round, so that drift in the machine hits all of them alike.
for (let round = 0; round < runs; round++) {
  for (const [name, run] of Object.entries(cases)) samples[name].push(run())
}

const median = (numbers) => {
  const sorted = [...numbers].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

const ms = (value) => `${value.toFixed(1)} ms`.padStart(10)
const lines = [
  `Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${runs} runs each, medians (min-max of load)`,
  `${'case'.padEnd(18)}${'jiti'.padStart(10)}${'load'.padStart(10)}${'process'.padStart(10)}   load range`,
]
for (const [name, list] of Object.entries(samples)) {
  const loads = list.map((each) => each.load)
  const range = `${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} ms`
  const [jiti, wall] = [median(list.map((each) => each.jiti)), median(list.map((each) => each.wall))]
  lines.push(`${name.padEnd(18)}${ms(jiti)}${ms(median(loads))}${ms(wall)}   ${range}`)
}

console.log(lines.join('\n'))
writeFileSync(
  path.join(root, 'bench', 'results', 'job-loading.md'),
  `# Job loading benchmark\n\nCommand: \`node bench/job-loading.mjs --runs ${runs}\`\nDate: ${new Date().toISOString()}\n\n\`\`\`\n${lines.join('\n')}\n\`\`\`\n`,
)

rmSync(app, {recursive: true, force: true})
