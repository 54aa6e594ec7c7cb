import {strict as assert} from 'node:assert'
import {readFileSync} from 'node:fs'
import Module, {createRequire} from 'node:module'
import path from 'node:path'

import {editProduceRequest} from '../../../../../src/lib/kafka/kafkajs/codec/produce-request.js'

// kafkajs's own produce request, and the same source with kq's bundle's edit, each loaded as a
// module of kafkajs so that both encode with kafkajs's own records and batches.
const require = createRequire(import.meta.url)
const file = require.resolve('kafkajs/src/protocol/requests/produce/v3/request')
type ProduceRequest = (input: unknown) => {encode(): Promise<{buffer: Buffer}>}
const kafkajsRequest = require(file) as ProduceRequest

function editedRequest(): ProduceRequest {
  const edited = new Module(file) as Module & {_compile(source: string, filename: string): void}
  edited.filename = file
  edited.paths = (Module as unknown as {_nodeModulePaths(folder: string): string[]})._nodeModulePaths(path.dirname(file))
  edited._compile(editProduceRequest(readFileSync(file, 'utf8')), file)
  return edited.exports as ProduceRequest
}

describe("kafkajs's produce request, as kq's bundle edits it", () => {
  it('encodes the same bytes as kafkajs for messages of every shape kq and applications send', async () => {
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
    const now = Date.now
    Date.now = () => 1_700_000_000_000
    try {
      const edited = await editedRequest()(input).encode()
      const original = await kafkajsRequest(input).encode()
      assert.equal(edited.buffer.toString('hex'), original.buffer.toString('hex'))
    } finally {
      Date.now = now
    }
  })

  it('refuses a kafkajs whose request it does not recognise, rather than leave it unedited', () => {
    assert.throws(() => editProduceRequest('module.exports = () => ({})'), /no longer spreads each message/)
  })
})
