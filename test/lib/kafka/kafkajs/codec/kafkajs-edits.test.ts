import {strict as assert} from 'node:assert'
import {readFileSync} from 'node:fs'
import Module, {createRequire} from 'node:module'
import path from 'node:path'

import {KAFKAJS_EDITS, editEncoder, editProduceRequest} from '../../../../../src/lib/kafka/kafkajs/codec/kafkajs-edits.js'

// Each kafkajs module as kafkajs has it, and the same source with kq's bundle's edit, loaded as
// a module of kafkajs (its own requires are kafkajs's own).
const require = createRequire(import.meta.url)
const fileOf = (module: string) => require.resolve(`kafkajs/${module.replace(/\.js$/, '')}`)

function edited<T>(module: string, edit: (source: string) => string): T {
  const file = fileOf(module)
  const loaded = new Module(file) as Module & {_compile(source: string, filename: string): void}
  loaded.filename = file
  loaded.paths = (Module as unknown as {_nodeModulePaths(folder: string): string[]})._nodeModulePaths(path.dirname(file))
  loaded._compile(edit(readFileSync(file, 'utf8')), file)
  return loaded.exports as T
}

type ProduceRequest = (input: unknown) => {encode(): Promise<{buffer: Buffer}>}

interface Encoder {
  writeInt8(value: number): Encoder
  writeInt32(value: number): Encoder
  writeInt64(value: number): Encoder
  writeString(value: string | null): Encoder
  writeVarIntString(value: string | null): Encoder
  writeBytes(value: Buffer | string | null): Encoder
  writeVarIntBytes(value: Buffer | string | null): Encoder
  writeVarLong(value: number): Encoder
  writeEncoder(value: Encoder): Encoder
  writeArray(array: unknown[], type?: string): Encoder
  buffer: Buffer
}

/** The same writes on an encoder of each class: small, multi-byte, then large enough to grow it many times. */
function written(EncoderClass: new () => Encoder): Buffer {
  const inner = new EncoderClass().writeInt32(7).writeVarIntString('ünï €😀').writeBytes(Buffer.alloc(3000, 7))
  const encoder = new EncoderClass()
    .writeInt8(-1)
    .writeString('topic')
    .writeString(null)
    .writeVarLong(-123_456_789)
    .writeInt64(1_700_000_000_000)
    .writeVarIntBytes('x'.repeat(700))
    .writeVarIntBytes(null)
    .writeArray(['a', 'bc'], 'string')
    .writeArray([inner, inner])
  for (let index = 0; index < 200; index++) encoder.writeEncoder(inner)
  return encoder.buffer
}

describe("kafkajs's modules as kq's bundle edits them", () => {
  it('edits every file it names, and refuses a source whose text it does not find', () => {
    for (const [module, edit] of Object.entries(KAFKAJS_EDITS)) {
      const source = readFileSync(fileOf(module.replace(/^src\//, 'src/')), 'utf8')
      assert.notEqual(edit(source), source, module)
      assert.throws(() => edit('module.exports = {}'), /is not as kq's bundle expects/)
    }
  })

  it('encodes a produce request to the same bytes as kafkajs, for messages of every shape kq and applications send', async () => {
    const messages = [
      {key: 'k1', value: 'text', headers: {'kq-job': 'A', 'kq-job-id': 'id-1'}, partition: 0},
      {key: null, value: Buffer.from('{"a":1}'), headers: {'kq-job': 'A'}, partition: 0, timestamp: '1700000000123'},
      {value: 'no key', partition: 0},
      {key: Buffer.from('bytes'), value: null, headers: {tags: ['a', 'b']}, partition: 0, extra: 'ignored'},
    ]
    const input = {
      acks: -1,
      timeout: 30_000,
      producerId: 7,
      producerEpoch: 0,
      compression: 0,
      topicData: [{topic: 'jobs', partitions: [{partition: 0, firstSequence: 3, messages}]}],
    }
    const module = 'src/protocol/requests/produce/v3/request.js'
    const now = Date.now
    Date.now = () => 1_700_000_000_000
    try {
      const bytes = await edited<ProduceRequest>(module, editProduceRequest)(input).encode()
      const kafkajs = await (require(fileOf(module)) as ProduceRequest)(input).encode()
      assert.equal(bytes.buffer.toString('hex'), kafkajs.buffer.toString('hex'))
    } finally {
      Date.now = now
    }
  })

  it('encodes with buffers it does not zero the same bytes as kafkajs, even when the memory it gets is not blank', () => {
    const module = 'src/protocol/encoder.js'
    const EditedEncoder = edited<new () => Encoder>(module, editEncoder)
    const KafkajsEncoder = require(fileOf(module)) as new () => Encoder
    const allocUnsafe = Buffer.allocUnsafe
    // Memory handed out unzeroed may hold anything: here it always holds 0xAB.
    Buffer.allocUnsafe = (size: number) => allocUnsafe(size).fill(0xab)
    let bytes: Buffer
    try {
      bytes = written(EditedEncoder)
    } finally {
      Buffer.allocUnsafe = allocUnsafe
    }

    assert.ok(bytes.length > 600_000)
    assert.equal(bytes.compare(written(KafkajsEncoder)), 0)
  })
})
