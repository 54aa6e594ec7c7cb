/**
 * Preloaded with `node --import` by tests that check what a command loads: on exit it prints,
 * on stderr, how many files of each watched package were loaded.
 */
import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)
const WATCHED = ['kafkajs', 'cli-table3', '@inquirer', '@oclif/core', 'prom-client']

process.on('exit', () => {
  const files = Object.keys(require.cache)
  for (const name of WATCHED) {
    const count = files.filter((file) => file.includes(`/node_modules/${name}/`)).length
    process.stderr.write(`loaded ${name}: ${count}\n`)
  }
})
