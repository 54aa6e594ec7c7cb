// Peer of `kq work` in the latency benchmark: a kafkajs eachMessage consumer that prints, for
// each message, how long ago its producer stamped it (the value is {"sentAt": epoch ms}).
// Prints "ready" once it holds its partitions. Runs until SIGTERM.
// Usage: node kafkajs-latency-consume.mjs <brokers> <topic> <group>
import kafkajs from 'kafkajs'

const [brokers, topic, group] = process.argv.slice(2)
const kafka = new kafkajs.Kafka({clientId: 'bench', brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING})
const consumer = kafka.consumer({groupId: group, maxWaitTimeInMs: 1000})
consumer.on(consumer.events.GROUP_JOIN, () => process.stdout.write('ready\n'))
await consumer.connect()
await consumer.subscribe({topics: [topic], fromBeginning: true})
await consumer.run({
  eachMessage: async ({message}) => {
    const {sentAt} = JSON.parse(message.value.toString())
    process.stdout.write(`${performance.timeOrigin + performance.now() - sentAt}\n`)
  },
})
process.on('SIGTERM', async () => {
  await consumer.disconnect()
  process.exit(0)
})
