// The least any consumer of kq's queue must do per record, as a floor to compare kq's worker
// with: kafkajs's cheapest path (eachBatch, one call per fetched batch), each value parsed as
// JSON and each header decoded to text; no job, no output, no retries, offsets committed by
// kafkajs. A worker cannot be faster than this on kafkajs without skipping the envelope.
// Usage: node kafkajs-consume-envelopes.mjs <brokers> <topic> <group> <count>
import kafkajs from 'kafkajs'

const [brokers, topic, group, countText] = process.argv.slice(2)
const count = Number(countText)
const kafka = new kafkajs.Kafka({clientId: 'bench', brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING})
const consumer = kafka.consumer({groupId: group})
await consumer.connect()
await consumer.subscribe({topics: [topic], fromBeginning: true})
let seen = 0
let jobs = 0
await new Promise((resolve) => {
  consumer.run({
    eachBatch: async ({batch}) => {
      for (const message of batch.messages) {
        const envelope = JSON.parse(message.value.toString('utf8'))
        for (const value of Object.values(message.headers ?? {})) value?.toString()
        if (typeof envelope.job === 'string') jobs++
        seen++
      }

      if (seen >= count) resolve()
    },
  })
})
await consumer.disconnect()
console.log(`consumed ${seen} (${jobs} envelopes)`)
