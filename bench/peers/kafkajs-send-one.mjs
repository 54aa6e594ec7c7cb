// Peer of `kq dispatch` (one job): the shortest honest kafkajs script that sends one JSON
// message with acks=all and exits. Usage: node kafkajs-send-one.mjs <brokers> <topic>
import kafkajs from 'kafkajs'

const [brokers, topic] = process.argv.slice(2)
const kafka = new kafkajs.Kafka({clientId: 'bench', brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING})
const producer = kafka.producer({idempotent: true, createPartitioner: kafkajs.Partitioners.DefaultPartitioner})
await producer.connect()
const [record] = await producer.send({
  topic,
  acks: -1,
  messages: [{value: JSON.stringify({job: 'ExampleKafkaJob', payload: {data: 'x'}})}],
})
console.log(`partition ${record.partition} offset ${record.baseOffset}`)
await producer.disconnect()
