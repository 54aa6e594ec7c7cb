// Latency from send to handler at a steady rate: kq's dispatch() to its worker's handle(), and
// the same with kafkajs alone (peers/kafkajs-latency-*.mjs), each on a fresh topic. Each
// resolves with the latencies seen, sorted, in ms, and the number of messages sent.
import {spawn} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {peer, produce, root, runJs} from './harness.mjs'

// An application process dispatching Timed jobs at <rate> a second for <seconds> seconds.
const PRODUCER = `import {closeDispatch} from 'kq'
import Timed from './jobs/Timed.js'
const [queue, rate, seconds] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])]
// As the peer connects its producer before its clock starts: one job, not measured, opens kq's.
await Timed.dispatch({warmUp: true}, {queue})
const started = performance.now()
let sent = 0
const pending = []
while (performance.now() - started < seconds * 1000) {
  const due = started + (sent * 1000) / rate
  const wait = due - performance.now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
  pending.push(Timed.dispatch({sentAt: performance.timeOrigin + performance.now()}, {queue}))
  sent++
}
await Promise.all(pending)
await closeDispatch()
console.log(sent)
`

/** Collects a child's stdout, waits for <ready> in it, and stops it with SIGTERM when asked. */
function listen(child, ready) {
  let output = ''
  let errors = ''
  let exited = false
  child.stdout.on('data', (data) => {
    output += data
  })
  child.stderr.on('data', (data) => {
    errors += data
  })
  const closed = new Promise((resolve) => {
    child.on('close', () => {
      exited = true
      resolve()
    })
  })
  return {
    output: () => output,
    async ready() {
      while (!output.includes(ready)) {
        if (exited) throw new Error(`${child.spawnargs.join(' ')} exited before it was ready: ${errors}`)
        await sleep(100)
      }
    },
    async stop() {
      child.kill('SIGTERM')
      await closed
    },
  }
}

/** Waits up to a minute for <count> latencies, then stops the consumer and sorts what it saw. */
async function collect(consumer, latencies, sent) {
  const deadline = Date.now() + 60_000
  while (latencies().length < sent && Date.now() < deadline) await sleep(200)
  await consumer.stop()
  return {sent, sorted: latencies().sort((a, b) => a - b)}
}

export async function kqLatencies({app, env, kq}, {topic, partitions, concurrency, rate, seconds}) {
  const group = `${topic}-workers`
  kq(['topic:create', topic, '--partitions', String(partitions), '--group', group])
  writeFileSync(path.join(app, 'produce.mjs'), PRODUCER)
  const worker = listen(spawn(process.execPath, ['--', runJs, 'work', topic, '--group', group, '--json', '--concurrency', String(concurrency)], {cwd: app, env}), '"event":"assigned"')
  await worker.ready()
  const sent = await produce(process.execPath, [path.join(app, 'produce.mjs'), topic, String(rate), String(seconds)], {cwd: app, env})
  const latencies = () =>
    worker
      .output()
      .split('\n')
      .filter((line) => line.includes('"event":"job:log"'))
      .map((line) => Number(JSON.parse(line).message))
  return collect(worker, latencies, sent)
}

export async function peerLatencies({kq}, {topic, partitions, rate, seconds, brokers}) {
  kq(['topic:create', topic, '--partitions', String(partitions)])
  const consumer = listen(spawn(process.execPath, [peer('kafkajs-latency-consume.mjs'), brokers, topic, `${topic}-consumers`], {cwd: root}), 'ready')
  await consumer.ready()
  const sent = await produce(process.execPath, [peer('kafkajs-latency-produce.mjs'), brokers, topic, String(rate), String(seconds)], {cwd: root})
  const latencies = () =>
    consumer
      .output()
      .split('\n')
      .filter((line) => line !== '' && line !== 'ready')
      .map(Number)
  return collect(consumer, latencies, sent)
}
