/**
 * Preloaded with `node --import` by tests that check what a command loads: on exit it prints,
 * on stderr, how many files of each watched package were loaded, as CommonJS or as ES modules.
 */
import {createRequire, register} from 'node:module'
import {MessageChannel, receiveMessageOnPort} from 'node:worker_threads'

const require = createRequire(import.meta.url)
const WATCHED = ['kafkajs', 'cli-table3', '@inquirer', '@oclif/core', 'prom-client', '@opentelemetry', 'hono', '@hono', 'preact', 'uplot']

// ES modules never enter require.cache: a loader hook reports each one it loads on this port,
// read synchronously at exit, when no event loop turn is left to deliver them.
const {port1, port2} = new MessageChannel()
register('./record-esm-loads.js', {parentURL: import.meta.url, data: {port: port2}, transferList: [port2]})
port1.unref()

process.on('exit', () => {
  const files = Object.keys(require.cache)
  for (let message = receiveMessageOnPort(port1); message; message = receiveMessageOnPort(port1)) files.push(String(message.message))
  for (const name of WATCHED) {
    const count = new Set(files.filter((file) => file.includes(`/node_modules/${name}/`))).size
    process.stderr.write(`loaded ${name}: ${count}\n`)
  }
})
