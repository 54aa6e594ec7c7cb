// kq's side of the sequential benchmark: `Job.dispatch()` from application code, awaited one at
// a time, each line's payload parsed as the application would hand it over. Run from an
// application folder whose node_modules/kq is this repository; KAFKA_BROKERS from the
// environment. Prints `loop <seconds>` and `cpu <seconds>`, the loop's wall and CPU time (user + system). Usage: node kq-dispatch-sequential.mjs <topic> <file> <count>
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

const [topic, file, countText] = process.argv.slice(2)
// kq as the application sees it: its own node_modules/kq.
const {Job, closeDispatch} = await import(pathToFileURL(createRequire(path.join(process.cwd(), 'app.js')).resolve('kq')).href)
const payloads = readFileSync(file, 'utf8').split('\n').slice(0, Number(countText)).map((line) => JSON.parse(line))

class BenchJob extends Job {
  async handle() {}
}

await BenchJob.dispatch(payloads[0], {queue: topic})
const cpuBefore = process.cpuUsage()
const started = process.hrtime.bigint()
for (const payload of payloads) await BenchJob.dispatch(payload, {queue: topic})
const loopSeconds = Number(process.hrtime.bigint() - started) / 1e9
const cpu = process.cpuUsage(cpuBefore)
console.log(`loop ${loopSeconds}`)
console.log(`cpu ${(cpu.user + cpu.system) / 1e6}`)
await closeDispatch()
