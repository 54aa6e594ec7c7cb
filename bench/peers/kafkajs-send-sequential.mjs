// Peer of `Job.dispatch()` awaited one at a time: a kafkajs producer (idempotent, acks=all)
// sending each line of a file with send(), awaiting each before the next. Connecting is left
// out of the time, as an application's producer is already open. Prints `loop <seconds>` and `cpu <seconds>`, the loop's wall and CPU time (user + system).
// Usage: node kafkajs-send-sequential.mjs <brokers> <topic> <file> <count>
import {readFileSync} from 'node:fs'

import kafkajs from 'kafkajs'

const [brokers, topic, file, countText] = process.argv.slice(2)
const lines = readFileSync(file, 'utf8').split('\n').slice(0, Number(countText))
const kafka = new kafkajs.Kafka({clientId: 'bench', brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING})
const producer = kafka.producer({idempotent: true, createPartitioner: kafkajs.Partitioners.DefaultPartitioner})
await producer.connect()
// The first send fetches the topic's metadata, as kq's first dispatch does: both left out.
await producer.send({topic, acks: -1, messages: [{value: lines[0]}]})
const cpuBefore = process.cpuUsage()
const started = process.hrtime.bigint()
for (const line of lines) await producer.send({topic, acks: -1, messages: [{value: line}]})
const loopSeconds = Number(process.hrtime.bigint() - started) / 1e9
const cpu = process.cpuUsage(cpuBefore)
console.log(`loop ${loopSeconds}`)
console.log(`cpu ${(cpu.user + cpu.system) / 1e6}`)
await producer.disconnect()
