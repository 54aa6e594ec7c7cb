import {strict as assert} from 'node:assert'
import {writeFileSync} from 'node:fs'
import path from 'node:path'

import {ExitCode} from '../../src/lib/errors.js'
import {type TestApp, jobSource, makeTestApp} from '../support/app.js'
import {kq} from '../support/cli.js'

/** The test's own Kafka settings stay out (an empty variable counts as unset): the .env is what counts. */
const WITHOUT_KQ_SETTINGS = Object.fromEntries(Object.keys(process.env).filter((name) => /^(KAFKA|KQ)_/.test(name)).map((name) => [name, '']))

describe('a misspelt setting beside a bad one', function () {
  this.timeout(60_000)
  let app: TestApp

  before(() => {
    app = makeTestApp({jobs: {Hello: jobSource('Hello')}})
    // The user name is misspelt, so the mechanism has no user name: the warning is the answer.
    writeFileSync(path.join(app.root, '.env'), 'KAFKA_BROKERS=127.0.0.1:9092\nKAFKA_SASL_MECHANISM=plain\nKAFKA_SASL_USERNAM=ana\nKAFKA_SASL_PASSWORD=secret\n')
  })

  after(() => app?.remove())

  const commands: Array<[string, string[]]> = [
    ['dispatch, which runs without oclif', ['dispatch', 'Hello', '{}']],
    ['a command run by oclif', ['topic:list']],
  ]
  for (const [what, args] of commands) {
    it(`is still named, before the error it explains: ${what}`, async () => {
      const {code, stdout, stderr} = await kq(args, {cwd: app.root, env: WITHOUT_KQ_SETTINGS})
      assert.equal(code, ExitCode.Config, stderr)
      assert.equal(stdout, '')
      assert.deepEqual(stderr.trimEnd().split('\n'), [
        'Warning: KAFKA_SASL_USERNAM in .env is not a kq setting, and is ignored: did you mean KAFKA_SASL_USERNAME?',
        'Error: KAFKA_SASL_USERNAME must be set when KAFKA_SASL_MECHANISM is set',
      ])
    })
  }
})
