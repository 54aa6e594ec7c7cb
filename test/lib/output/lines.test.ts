import {strict as assert} from 'node:assert'
import {spawn} from 'node:child_process'
import {Writable} from 'node:stream'

import {lineWriter} from '../../../src/lib/output/lines.js'

/** A stream that keeps each write call's text. */
function recorder(): {stream: Writable; writes: string[]} {
  const writes: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push(chunk.toString())
      done()
    },
  })
  return {stream, writes}
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

describe('lineWriter', () => {
  it('writes the lines of one turn of the event loop in one call, in order', async () => {
    const {stream, writes} = recorder()
    const output = lineWriter(stream)
    output.write('first')
    output.write('second')
    output.write('third')
    assert.deepEqual(writes, [])
    await nextTurn()
    assert.deepEqual(writes, ['first\nsecond\nthird\n'])
  })

  it('writes at once once 16 KB are pending, without waiting for the turn to end, and keeps the order', async () => {
    const {stream, writes} = recorder()
    const output = lineWriter(stream)
    const lines = Array.from({length: 400}, (_, index) => `line ${index} ${'.'.repeat(90)}`)
    for (const line of lines) output.write(line)
    assert.ok(writes.length >= 2, `expected writes before the turn ended, got ${writes.length}`)
    for (const text of writes) assert.ok(text.length < 17_000, `a write of ${text.length} characters`)
    await nextTurn()
    assert.equal(writes.join(''), lines.map((line) => `${line}\n`).join(''))
  })

  it('writes what is pending when flushed', () => {
    const {stream, writes} = recorder()
    const output = lineWriter(stream)
    output.write('last words')
    output.flush()
    assert.deepEqual(writes, ['last words\n'])
  })

  it('waits for a slow reader of its pipe rather than holding the unread lines in memory', async () => {
    // A process writes 20 MB of lines to stdout, a pipe this test reads only after a pause; it
    // reports the most its stream ever held unwritten. Without waiting, that is nearly all of it.
    const lines = new URL('../../../src/lib/output/lines.js', import.meta.url).href
    const script = `
      const {lineWriter} = await import(${JSON.stringify(lines)})
      const output = lineWriter(process.stdout)
      let held = 0
      for (let index = 0; index < 200_000; index++) {
        output.write('line ' + String(index).padStart(8, '0') + ' ' + '.'.repeat(85))
        held = Math.max(held, process.stdout.writableLength)
      }
      output.flush()
      held = Math.max(held, process.stdout.writableLength)
      process.stderr.write(String(held))
    `
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {stdio: ['ignore', 'pipe', 'pipe']})
    child.stdout.pause()
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    await new Promise((resolve) => setTimeout(resolve, 300))
    let received = 0
    child.stdout.on('data', (chunk: Buffer) => (received += chunk.length))
    child.stdout.resume()
    const code = await new Promise((resolve) => child.on('close', resolve))
    assert.equal(code, 0, stderr)
    assert.equal(received, 200_000 * 100)
    const held = Number(stderr)
    assert.ok(held < 1024 * 1024, `the writer held ${held} bytes unwritten`)
  })
})
