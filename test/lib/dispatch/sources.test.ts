import {strict as assert} from 'node:assert'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {type BulkTarget} from '../../../src/lib/dispatch/bulk.js'
import {type BulkLines} from '../../../src/lib/dispatch/line-store.js'
import {readNdjson} from '../../../src/lib/dispatch/sources.js'
import {envelopeEncoder} from '../../../src/lib/envelope/index.js'
import {UsageError} from '../../../src/lib/errors.js'

const target: BulkTarget = {
  job: 'Importer',
  queue: 'imports',
  queueTopic: 'imports',
  topic: 'imports',
  headers: {},
  encoder: envelopeEncoder({job: 'Importer', queue: 'imports'}, {maxBytes: 1_000_000}),
}

/** The lines as a dispatch sends them, one object each. */
const linesOf = (lines: BulkLines) =>
  Array.from({length: lines.length}, (_, index) => ({payloadJson: lines.payloadJson(index), key: lines.key(index), line: lines.line(index)}))

describe('NDJSON sources', () => {
  let folder: string
  before(() => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'kq-ndjson-'))
  })
  after(() => rmSync(folder, {recursive: true, force: true}))

  const file = (name: string, text: string) => {
    const written = path.join(folder, name)
    writeFileSync(written, text)
    return written
  }

  it('ends lines at \\n, \\r\\n and a lone \\r, as readline does, and numbers blank lines without sending them', async () => {
    const lines = linesOf(await readNdjson(target, file('endings.ndjson', '{"n":1}\n{"n":2}\r\n\n{"n":3}\r{"n":4}\r\r{"n":5}'), {}))
    assert.deepEqual(
      lines.map(({payloadJson, line}) => [line, payloadJson]),
      [
        [1, '{"n":1}'],
        [2, '{"n":2}'],
        [4, '{"n":3}'],
        [5, '{"n":4}'],
        [7, '{"n":5}'],
      ],
    )
  })

  it('keeps lines and characters whole across reads of a large file, the last line without its newline', async () => {
    // Reads are 1 MiB: lines of 7-byte characters cross every boundary somewhere.
    const payloads = Array.from({length: 40_000}, (_, index) => JSON.stringify({index, text: '€😀'.repeat(index % 7)}))
    const lines = linesOf(await readNdjson(target, file('large.ndjson', payloads.join('\n')), {key: 'k'}))
    assert.equal(lines.length, payloads.length)
    assert.deepEqual(
      lines.map(({payloadJson}) => payloadJson),
      payloads,
    )
    assert.deepEqual(lines.at(-1), {payloadJson: payloads.at(-1), key: 'k', line: 40_000})
  })

  it('sends a line trimmed of the blanks around it (a byte order mark too), and each line its own key field', async () => {
    const text = '\uFEFF{"user":"a","n":1}\n  {"user":"b","n":2}\t\n{"user":"c","n":3}\r\n'
    assert.deepEqual(linesOf(await readNdjson(target, file('trimmed.ndjson', text), {keyField: 'user'})), [
      {payloadJson: '{"user":"a","n":1}', key: 'a', line: 1},
      {payloadJson: '{"user":"b","n":2}', key: 'b', line: 2},
      {payloadJson: '{"user":"c","n":3}', key: 'c', line: 3},
    ])
  })

  it('ends a line at a \\r\\n that falls across two reads, and keeps a lone \\r there a line end', async () => {
    // Reads are 1 MiB: the first line fills the first read but for its last byte, its \r.
    const first = `{"pad":"${'x'.repeat((1 << 20) - 11)}"}`
    assert.equal(first.length, (1 << 20) - 1)
    const roomy = {...target, encoder: envelopeEncoder({job: 'Importer', queue: 'imports'}, {maxBytes: 2_000_000})}
    const lines = linesOf(await readNdjson(roomy, file('crlf.ndjson', `${first}\r\n{"n":2}\r{"n":3}`), {}))
    assert.deepEqual(
      lines.map(({line, payloadJson}) => [line, payloadJson === first ? 'the first line' : payloadJson]),
      [
        [1, 'the first line'],
        [2, '{"n":2}'],
        [3, '{"n":3}'],
      ],
    )
  })

  it('names the line that is not JSON, counting the blank ones, and sends nothing', async () => {
    await assert.rejects(readNdjson(target, file('bad.ndjson', '{"n":1}\r\n\r\n{"n":\n{"n":4}\n'), {}), (error: unknown) => {
      assert.ok(error instanceof UsageError)
      assert.match(error.message, /^line 3 of .*bad\.ndjson: payload is not valid JSON .*; nothing was sent$/)
      return true
    })
  })

  it('refuses a file with no jobs, and one it cannot read', async () => {
    await assert.rejects(readNdjson(target, file('blank.ndjson', '\n \r\n'), {}), /blank\.ndjson holds no jobs: nothing was sent/)
    await assert.rejects(readNdjson(target, path.join(folder, 'missing.ndjson'), {}), /^UsageError: cannot read .*missing\.ndjson: .*ENOENT/)
  })
})
