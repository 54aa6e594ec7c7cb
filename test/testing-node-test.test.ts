import {strict as assert} from 'node:assert'
import {execFile} from 'node:child_process'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {type TestApp, makeTestApp} from './support/app.js'
import {REPO_ROOT} from './support/paths.js'

/** The README's job in its testing examples: sends, or bounces for a bounce@ address. */
const SEND_WELCOME_EMAIL = `import {Job} from 'kq'

export default class SendWelcomeEmail extends Job {
  tries = 3
  backoff = [1]

  async handle(payload, ctx) {
    if (payload.email.startsWith('bounce@')) throw new Error('bounced')
    ctx.log('sent to ' + payload.email)
  }
}
`

/** The code block of README.md that follows `heading`. */
function readmeBlock(heading: string): string {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8')
  const start = readme.indexOf(heading)
  assert.ok(start >= 0, `README has no "${heading}"`)
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(start))
  assert.ok(block, `no code block after "${heading}"`)
  return block[1]
}

describe("kq/testing under node:test, as the README shows it", function () {
  this.timeout(60_000)
  let app: TestApp

  before(() => {
    app = makeTestApp({jobs: {'SendWelcomeEmail.js': SEND_WELCOME_EMAIL}})
  })

  after(() => app?.remove())

  it("passes the README's node --test example, run through the package's kq/testing export", async () => {
    // The example imports the job the way an application's test would; the rest is the README's text.
    const example = `import SendWelcomeEmail from '../src/jobs/SendWelcomeEmail.js'\n${readmeBlock('With `node:test`')}`
    const file = path.join(app.root, 'test', 'welcome.test.mjs')
    mkdirSync(path.dirname(file), {recursive: true})
    writeFileSync(file, example)
    const {code, output} = await new Promise<{code: number; output: string}>((resolve) => {
      execFile(process.execPath, ['--test', file], {cwd: app.root}, (error, stdout, stderr) => {
        resolve({code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr})
      })
    })
    assert.equal(code, 0, output)
    assert.match(output, /# pass 1\n/)
    assert.match(output, /# fail 0\n/)
  })
})
