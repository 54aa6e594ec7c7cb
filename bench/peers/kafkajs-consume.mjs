// Peer of `kq work` draining a backlog: a plain kafkajs eachMessage consumer with a no-op
// handler and kafkajs's default auto-commit, in a new group reading from the beginning, exiting
// once it has seen <count> messages (after a final commit).
// Usage: node kafkajs-consume.mjs <brokers> <topic> <group> <count>
import kafkajs from 'kafkajs'

const [brokers, topic, group, countText] = process.argv.slice(2)
const count = Number(countText)
const kafka = new kafkajs.Kafka({clientId: 'bench', brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING})
const consumer = kafka.consumer({groupId: group})
await consumer.connect()
await consumer.subscribe({topics: [topic], fromBeginning: true})
let seen = 0
await new Promise((resolve) => {
  consumer.run({
    eachMessage: async () => {
      seen++
      if (seen === count) resolve()
    },
  })
})
await consumer.disconnect()
console.log(`consumed ${seen}`)
