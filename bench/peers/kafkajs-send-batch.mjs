// Peer of `kq dispatch --ndjson`: reads the same NDJSON file and sends each line as it is, in
// sendBatch calls of <batch> messages, one in flight at a time, acks=all, idempotent.
// Usage: node kafkajs-send-batch.mjs <brokers> <topic> <file> <batch>
import {createReadStream} from 'node:fs'
import {createInterface} from 'node:readline'

import kafkajs from 'kafkajs'

const [brokers, topic, file, batchText] = process.argv.slice(2)
const batchSize = Number(batchText)
const kafka = new kafkajs.Kafka({clientId: 'bench', brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING})
const producer = kafka.producer({idempotent: true, createPartitioner: kafkajs.Partitioners.DefaultPartitioner})
await producer.connect()
let batch = []
let count = 0
for await (const line of createInterface({input: createReadStream(file)})) {
  batch.push({value: line})
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
