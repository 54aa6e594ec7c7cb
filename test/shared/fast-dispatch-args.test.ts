import {strict as assert} from 'node:assert'

import {fastDispatchRequest} from '../../src/shared/fast-dispatch-args.js'

const offTerminal = {isTTY: false}
const request = (argv: string[], env: Record<string, string> = {}, stdout = offTerminal) => fastDispatchRequest(argv, env, stdout)

describe('which kq dispatch command lines skip oclif', () => {
  it('reads one job with its payload and the plain flags, in every spelling oclif accepts', () => {
    assert.deepEqual(request(['dispatch', 'SendEmail', '{"to":"a"}', '--queue', 'mail', '-k', 'user-1', '--header=trace=abc', '-H', 'b=c', '--json']), {
      job: 'SendEmail',
      payload: '{"to":"a"}',
      flags: {queue: 'mail', key: 'user-1', header: ['trace=abc', 'b=c']},
      json: true,
    })
    assert.deepEqual(request(['dispatch', '--env-file', '.env.prod', 'SendEmail', '-f', 'mail.json', '--delay=10m', '-b', 'k:9092', '--jobs-dir', 'jobs']), {
      job: 'SendEmail',
      payload: undefined,
      flags: {dotenv: '.env.prod', file: 'mail.json', delay: '10m', brokers: 'k:9092', 'jobs-dir': 'jobs'},
      json: false,
    })
    assert.deepEqual(request(['dispatch', 'SendEmail', '-', '--at', '2026-12-01T09:00:00Z'])?.payload, '-')
  })

  it('reads the jobs of an NDJSON file or stdin, with a key field and a batch size oclif would take', () => {
    assert.deepEqual(request(['dispatch', 'SendEmail', '--ndjson', 'jobs.ndjson', '--key-field', 'userId', '--batch-size=500', '--json']), {
      job: 'SendEmail',
      payload: undefined,
      flags: {ndjson: 'jobs.ndjson', 'key-field': 'userId', 'batch-size': 500},
      json: true,
    })
    assert.deepEqual(request(['dispatch', 'SendEmail', '--ndjson', '-', '-k', 'all', '--batch-size', '100000'])?.flags, {ndjson: '-', key: 'all', 'batch-size': 100_000})
  })

  it('leaves to oclif every other command and every line it might read otherwise', () => {
    const declined = [
      ['work', 'SendEmail', '{}'],
      ['dispatch'],
      ['dispatch', '--help'],
      ['dispatch', 'SendEmail', '{}', '-h'],
      ['dispatch', 'SendEmail', '{}', '--ndjson', 'jobs.ndjson'],
      ['dispatch', 'SendEmail', '--ndjson', 'jobs.ndjson', '--file', 'mail.json'],
      ['dispatch', 'SendEmail', '--ndjson', 'jobs.ndjson', '--key', 'a', '--key-field', 'userId'],
      ['dispatch', 'SendEmail', '{}', '--key-field', 'userId'],
      ['dispatch', 'SendEmail', '{}', '--batch-size', '10'],
      ['dispatch', 'SendEmail', '--ndjson', 'jobs.ndjson', '--batch-size', '0'],
      ['dispatch', 'SendEmail', '--ndjson', 'jobs.ndjson', '--batch-size', '100001'],
      ['dispatch', 'SendEmail', '--ndjson', 'jobs.ndjson', '--batch-size', '1e3'],
      ['dispatch', 'SendEmail', '--ndjson', 'jobs.ndjson', '--batch-size', '10', '--batch-size', '20'],
      ['dispatch', 'SendEmail', '--ndjson', '--key', 'a'],
      ['dispatch', 'SendEmail', '{}', 'extra'],
      ['dispatch', 'SendEmail', '{}', '--queue', 'a', '--queue', 'b'],
      ['dispatch', 'SendEmail', '{}', '--json', '--json'],
      ['dispatch', 'SendEmail', '{}', '--queue'],
      ['dispatch', 'SendEmail', '{}', '--queue='],
      ['dispatch', 'SendEmail', '{}', '--delay', '-5'],
      ['dispatch', 'SendEmail', '{}', '-qmail'],
      ['dispatch', 'SendEmail', '{}', '--unknown', 'x'],
      ['dispatch', 'SendEmail', '--', '{}'],
      ['dispatch', 'SendEmail', '-1'],
    ]
    for (const argv of declined) assert.equal(request(argv), undefined, argv.join(' '))
  })

  it('leaves JSON to oclif when KQ_CONTENT_TYPE asks for it, or when stdout is a terminal (oclif colours it)', () => {
    assert.equal(request(['dispatch', 'SendEmail', '{}'], {KQ_CONTENT_TYPE: 'json'}), undefined)
    assert.equal(request(['dispatch', 'SendEmail', '{}', '--json'], {}, {isTTY: true}), undefined)
    assert.ok(request(['dispatch', 'SendEmail', '{}'], {}, {isTTY: true}))
  })
})
