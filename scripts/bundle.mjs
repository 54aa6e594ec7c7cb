// Build step, after tsc: bundles what runs at run time (the library's entry points, every command
// and hook) into dist/bundle, kq's own modules merged into a few shared chunks. Node then loads a
// handful of files where it loaded over a hundred, and module loading was most of a short
// command's time (`kq dispatch` spent more in it than on Kafka). kafkajs is bundled too, into the
// chunk of the Kafka adapter that alone imports it: its 171 files were the rest of that time.
// Other packages stay external, so each is loaded only by the commands that use it. Chunks are
// split by who uses them, except the one-job dispatch's modules, kept in one chunk that every
// command loads (see DISPATCH_CORE). Types and tests keep using dist/src. dist/bundle/packages.json
// says which packages each file holds, for the tests that check what a command loads.
import {readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import path from 'node:path'

import {build} from 'esbuild'

const BUNDLED_PACKAGES = ['kafkajs']

/**
 * Modules of kafkajs that kq's bundle replaces with its own, faster ones, each tested to give the
 * same result (test/lib/kafka/kafkajs/codec/): a record's and a record batch's encoding and a
 * record's decoding, each falling back to kafkajs's for what kq never meets, a fetch's records read without an exception at the cut
 * batch that ends nearly every fetch, the record batch's CRC-32C, and the grouping of a batch's
 * messages by partition (quadratic in kafkajs). Most of a bulk dispatch's CPU was there, and a
 * fifth of a worker's.
 */
const codec = new URL('../dist/src/lib/kafka/kafkajs/codec/', import.meta.url).pathname
const KAFKAJS_REPLACED = {
  'src/protocol/recordBatch/record/v0/index.js': (original) =>
    `const {encodeRecord} = require(${JSON.stringify(path.join(codec, 'record.js'))})\n` +
    `const kafkajsRecord = require(${JSON.stringify(`${original}?kafkajs`)})\n` +
    'module.exports = (input) => encodeRecord(input) ?? kafkajsRecord(input)\n',
  'src/protocol/recordBatch/record/v0/decoder.js': (original) =>
    `module.exports = require(${JSON.stringify(path.join(codec, 'decode-record.js'))}).recordDecoder(require(${JSON.stringify(`${original}?kafkajs`)}))\n`,
  'src/protocol/requests/fetch/v4/decodeMessages.js': () =>
    `module.exports = require(${JSON.stringify(path.join(codec, 'decode-messages.js'))}).messagesDecoder({\n` +
    "  Decoder: require('../../../decoder'),\n" +
    "  MessageSetDecoder: require('../../../messageSet/decoder'),\n" +
    "  RecordBatchDecoder: require('../../../recordBatch/v0/decoder'),\n" +
    "  MAGIC_BYTE: require('../../../recordBatch/v0').MAGIC_BYTE,\n" +
    '})\n',
  'src/protocol/recordBatch/v0/index.js': (original) =>
    `const kafkajs = require(${JSON.stringify(`${original}?kafkajs`)})\n` +
    "const Long = require('../../../utils/long')\n" +
    `const {encodeRecordBatch} = require(${JSON.stringify(path.join(codec, 'record-batch.js'))})\n` +
    'module.exports = {...kafkajs, RecordBatch: async (input) => encodeRecordBatch(input, (value) => Long.fromValue(value)) ?? kafkajs.RecordBatch(input)}\n',
  'src/protocol/recordBatch/crc32C/crc32C.js': () => `module.exports = require(${JSON.stringify(path.join(codec, 'crc32c.js'))}).crc32c\n`,
  'src/producer/groupMessagesPerPartition.js': () =>
    `module.exports = require(${JSON.stringify(path.join(codec, 'group-by-partition.js'))}).groupMessagesPerPartition\n`,
}

/** Modules of kafkajs that kq's bundle edits in place, each edit tested against kafkajs's own. */
const {KAFKAJS_EDITS} = await import(path.join(codec, 'kafkajs-edits.js'))

/**
 * Loads kq's module in place of each kafkajs module above, and edits those that are; `<file>?kafkajs`
 * is still kafkajs's own.
 */
const edits = new Set()
const replaceKafkajsModules = {
  name: 'replace-kafkajs-modules',
  setup(build) {
    build.onResolve({filter: /\?kafkajs$/}, (args) => ({path: args.path.slice(0, -'?kafkajs'.length), suffix: '?kafkajs'}))
    build.onLoad({filter: /[/\\]node_modules[/\\]kafkajs[/\\]src[/\\]/}, async (args) => {
      const edited = Object.entries(KAFKAJS_EDITS).find(([file]) => args.path.endsWith(path.join('kafkajs', file)))
      if (edited !== undefined) {
        edits.add(edited[0])
        return {contents: edited[1](await readFile(args.path, 'utf8')), loader: 'js', resolveDir: path.dirname(args.path)}
      }

      const replaced = Object.entries(KAFKAJS_REPLACED).find(([file]) => args.path.endsWith(path.join('kafkajs', file)))
      if (replaced === undefined || args.suffix === '?kafkajs') return undefined
      return {contents: replaced[1](args.path), loader: 'js', resolveDir: path.dirname(args.path)}
    })
  },
}
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
const external = [...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies ?? {})].filter(
  (name) => !BUNDLED_PACKAGES.includes(name),
)

const compiled = new URL('../dist/src/', import.meta.url).pathname

/** Every .js file under a compiled folder. */
function scripts(folder) {
  return readdirSync(path.join(compiled, folder), {recursive: true, withFileTypes: true})
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name))
}

/**
 * The modules of a one-job `kq dispatch`, in one chunk: its own steps and everything kq's entry
 * loads, as the job file imports kq. Split by who uses them, they made some forty small chunks,
 * and Node spends about a millisecond on each ES module it loads (resolve, read, compile, link)
 * whatever its size: more than it spent parsing them all. esbuild puts modules used by the same
 * entry points (a dynamic import's target is one too) in one chunk, so every entry point and
 * every dynamic import's target outside the core imports the core. A command that did not load
 * all of it before loads it now, as one file.
 */
const DISPATCH_CORE = [path.join(compiled, 'index.js'), path.join(compiled, 'shared', 'fast-dispatch.js')]

/** Each compiled module's relative imports, static and dynamic. */
function importsOf(file) {
  const source = readFileSync(file, 'utf8')
  const resolved = (pattern) => [...source.matchAll(pattern)].map((match) => path.resolve(path.dirname(file), match[1]))
  return {static: resolved(/(?:from|import)\s*['"](\.{1,2}\/[^'"]+)['"]/g), dynamic: resolved(/import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)}
}

function dispatchCoreImporters(entryPoints) {
  const core = new Set()
  const visit = (file) => {
    if (core.has(file)) return
    core.add(file)
    for (const target of importsOf(file).static) visit(target)
  }

  for (const file of DISPATCH_CORE) visit(file)
  const dynamicTargets = scripts('.').flatMap((file) => importsOf(file).dynamic)
  return new Set([...entryPoints, ...dynamicTargets].filter((file) => !core.has(file)))
}

const dispatchCore = {
  name: 'dispatch-core',
  setup(build) {
    const importers = dispatchCoreImporters(build.initialOptions.entryPoints)
    build.onResolve({filter: /^kq-dispatch-core$/}, () => ({path: 'kq-dispatch-core', namespace: 'dispatch-core'}))
    build.onLoad({filter: /.*/, namespace: 'dispatch-core'}, () => ({
      contents: DISPATCH_CORE.map((file) => `import ${JSON.stringify(file)}`).join('\n'),
      loader: 'js',
      resolveDir: compiled,
    }))
    build.onLoad({filter: /\.js$/}, async (args) => {
      if (!importers.has(args.path)) return undefined
      return {contents: `${await readFile(args.path, 'utf8')}\nimport 'kq-dispatch-core'\n`, loader: 'js', resolveDir: path.dirname(args.path)}
    })
  },
}

const entryPoints = [
  path.join(compiled, 'index.js'),
  path.join(compiled, 'testing.js'),
  path.join(compiled, 'shared', 'fast-dispatch.js'),
  ...scripts('commands'),
  ...scripts('hooks'),
]

const outdir = new URL('../dist/bundle/', import.meta.url).pathname
// Chunk names carry a hash: the last build's would stay beside this one's.
rmSync(outdir, {recursive: true, force: true})
const {metafile} = await build({
  entryPoints,
  outbase: compiled,
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Whitespace and syntax only: names stay readable in stack traces. Parsing the kafkajs chunk
  // is a good part of a one-job dispatch's start, and this takes it from ~725 KB to ~450 KB.
  minifyWhitespace: true,
  minifySyntax: true,
  external,
  // kafkajs is CommonJS: its require() of Node's own modules needs a require in an ES module.
  banner: {js: "import {createRequire as kqCreateRequire} from 'node:module'; const require = kqCreateRequire(import.meta.url);"},
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [replaceKafkajsModules, dispatchCore],
  metafile: true,
  logLevel: 'warning',
})

// A kafkajs release that moved these files would otherwise leave its own in place, unnoticed.
const inputs = Object.keys(metafile.inputs)
for (const file of ['record.js', 'record-batch.js', 'decode-record.js', 'decode-messages.js', 'crc32c.js', 'group-by-partition.js']) {
  if (!inputs.some((input) => input.endsWith(path.join('codec', file)))) throw new Error(`kq's ${file} did not replace kafkajs's: see KAFKAJS_REPLACED in scripts/bundle.mjs`)
}

for (const file of Object.keys(KAFKAJS_EDITS)) {
  if (!edits.has(file)) throw new Error(`kafkajs's ${file} was not bundled, so not edited: see codec/kafkajs-edits.ts`)
}

const packagesByFile = {}
for (const [file, {inputs}] of Object.entries(metafile.outputs)) {
  const packages = new Set(Object.keys(inputs).flatMap((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1] ?? []))
  if (packages.size > 0) packagesByFile[path.relative(outdir, file)] = [...packages].sort()
}

writeFileSync(path.join(outdir, 'packages.json'), `${JSON.stringify(packagesByFile, undefined, 2)}\n`)
