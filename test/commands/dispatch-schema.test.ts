import {strict as assert} from 'node:assert'
import {writeFileSync} from 'node:fs'
import path from 'node:path'

import {ExitCode} from '../../src/lib/errors.js'
import {type TestApp, makeTestApp} from '../support/app.js'
import {kq} from '../support/cli.js'
import {createQueue, endOffsetTotal} from '../support/topics.js'

describe('kq dispatch of a job with a payload schema', function () {
  this.timeout(60_000)
  let app: TestApp
  let queue: string

  before(async () => {
    app = makeTestApp()
    queue = await createQueue('dispatch-schema')
    // The jobs make:job --schema writes, as a user would start from them.
    for (const args of [['SendWelcomeEmail'], ['SendPlainEmail', '--js']]) {
      const {code, stderr} = await kq(['make:job', ...args, '--schema'], {cwd: app.root})
      assert.equal(code, 0, stderr)
    }
  })

  after(() => app.remove())

  const dispatch = (args: string[]) => kq(['dispatch', ...args, '--queue', queue], {cwd: app.root})

  const refusals: Array<[string, string[], string]> = [
    ['null, which used to be sent and fail in the worker', ['SendWelcomeEmail', 'null'], 'payload of SendWelcomeEmail is invalid: expected an object'],
    ['a field of the wrong type, by its path', ['SendWelcomeEmail', '{"data":42}'], 'payload of SendWelcomeEmail is invalid at data: expected a string'],
    ['a bad payload for a JavaScript job', ['SendPlainEmail', '{}'], 'payload of SendPlainEmail is invalid at data: expected a string'],
  ]
  for (const [what, args, message] of refusals) {
    it(`refuses ${what}: one line, exit 2, nothing sent`, async () => {
      const before = await endOffsetTotal(queue)
      const {code, stdout, stderr} = await dispatch(args)
      assert.equal(code, ExitCode.Usage)
      assert.equal(stdout, '')
      assert.equal(stderr, `Error: ${message}\n`)
      assert.equal(await endOffsetTotal(queue), before)
    })
  }

  it('sends a payload the schema accepts', async () => {
    const before = await endOffsetTotal(queue)
    const {code, stderr} = await dispatch(['SendWelcomeEmail', '{"data":"ada@example.com"}'])
    assert.equal(code, 0, stderr)
    assert.equal(await endOffsetTotal(queue), before + 1)
  })

  it('with --ndjson, sends nothing at all when one line is refused, naming that line', async () => {
    const file = path.join(app.root, 'emails.ndjson')
    writeFileSync(file, ['{"data":"a"}', '{"data":"b"}', '{"data":null}', '{"data":"d"}'].join('\n'))
    const before = await endOffsetTotal(queue)
    const {code, stderr} = await dispatch(['SendWelcomeEmail', '--ndjson', file])
    assert.equal(code, ExitCode.Usage)
    assert.match(stderr, /^Error: line 3 of .*emails\.ndjson: payload of SendWelcomeEmail is invalid at data: expected a string; nothing was sent\n$/)
    assert.equal(await endOffsetTotal(queue), before)
  })
})
