// Peer of kq's dispatch() in the latency benchmark: kafkajs sends one message per call, acks=all,
// at a steady rate, without waiting for one send before the next. Prints the number sent.
// Usage: node kafkajs-latency-produce.mjs <brokers> <topic> <rate> <seconds>
import kafkajs from 'kafkajs'

const [brokers, topic, rateText, secondsText] = process.argv.slice(2)
const rate = Number(rateText)
const seconds = Number(secondsText)
const kafka = new kafkajs.Kafka({clientId: 'bench', brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING})
const producer = kafka.producer({createPartitioner: kafkajs.Partitioners.DefaultPartitioner})
await producer.connect()
const started = performance.now()
let sent = 0
const pending = []
while (performance.now() - started < seconds * 1000) {
  const due = started + (sent * 1000) / rate
  const wait = due - performance.now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
  const value = JSON.stringify({sentAt: performance.timeOrigin + performance.now()})
  pending.push(producer.send({topic, acks: -1, messages: [{value}]}))
  sent++
}
await Promise.all(pending)
await producer.disconnect()
console.log(sent)
