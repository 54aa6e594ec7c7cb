// Peer of `kq dispatch --ndjson` that writes the same messages kq writes: each line wrapped in a
// job envelope (by string templates, no checks) with the kq-job and kq-job-id headers, sent in
// sendBatch calls of <batch>, one in flight, acks=all, idempotent. What a hand-written kafkajs
// producer of kq's wire format costs: the floor for kq's own bulk dispatch.
// Usage: node kafkajs-send-batch-envelopes.mjs <brokers> <topic> <file> <batch>
import {randomUUID} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {createInterface} from 'node:readline'

import kafkajs from 'kafkajs'

const [brokers, topic, file, batchText] = process.argv.slice(2)
const batchSize = Number(batchText)
const kafka = new kafkajs.Kafka({clientId: 'bench', brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING})
const producer = kafka.producer({idempotent: true, createPartitioner: kafkajs.Partitioners.DefaultPartitioner})
await producer.connect()
const message = (line) => {
  const id = randomUUID()
  const value = `{"kq":1,"id":"${id}","job":"BenchJob","queue":"${topic}","attempt":1,"dispatchedAt":"${new Date().toISOString()}","payload":${line}}`
  return {value, headers: {'kq-job': 'BenchJob', 'kq-job-id': id}}
}

let batch = []
let count = 0
for await (const line of createInterface({input: createReadStream(file)})) {
  batch.push(message(line))
  if (batch.length === batchSize) {
    await producer.sendBatch({acks: -1, topicMessages: [{topic, messages: batch}]})
    count += batch.length
    batch = []
  }
}

if (batch.length > 0) {
  await producer.sendBatch({acks: -1, topicMessages: [{topic, messages: batch}]})
  count += batch.length
}

console.log(`sent ${count}`)
await producer.disconnect()
