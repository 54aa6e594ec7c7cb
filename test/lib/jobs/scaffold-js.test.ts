import {strict as assert} from 'node:assert'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {isJobClass, jobNameOf} from '../../../src/lib/jobs/job.js'
import {JobRegistry} from '../../../src/lib/jobs/registry.js'
import {moduleKindOf, renderJavaScriptJob} from '../../../src/lib/jobs/scaffold-js.js'
import {writeJobFile} from '../../../src/lib/jobs/scaffold.js'
import {type TestApp, makeTestApp} from '../../support/app.js'

const apps: TestApp[] = []
after(() => {
  for (const app of apps) app.remove()
})

function app(type: 'module' | 'commonjs'): TestApp {
  const made = makeTestApp()
  apps.push(made)
  writeFileSync(path.join(made.root, 'package.json'), JSON.stringify({name: 'app', private: true, type}))
  return made
}

describe('make:job --js', () => {
  it("follows the application's package.json: an ES module in a module package, CommonJS elsewhere", () => {
    assert.equal(moduleKindOf(app('module').jobsDir), 'module')
    assert.equal(moduleKindOf(app('commonjs').jobsDir), 'commonjs')
    const nested = app('module')
    mkdirSync(nested.jobsDir, {recursive: true})
    writeFileSync(path.join(nested.jobsDir, 'package.json'), '{"type": "commonjs"}')
    assert.equal(moduleKindOf(nested.jobsDir), 'commonjs', 'the nearest package.json decides')
  })

  for (const kind of ['module', 'commonjs'] as const) {
    it(`writes a ${kind === 'module' ? 'ES module' : 'CommonJS'} job the worker loads and runs, with the template's settings`, async () => {
      const made = app(kind)
      const source = renderJavaScriptJob({name: 'SendWelcomeEmail', tries: 4, queue: 'emails'}, kind)
      assert.doesNotMatch(source, /: (string|unknown|JobContext)|override|interface/, 'no TypeScript in a .js file')
      assert.match(source, kind === 'module' ? /^import \{Job\} from 'kq'$/m : /^module\.exports = SendWelcomeEmail$/m)
      const file = await writeJobFile(made.jobsDir, 'SendWelcomeEmail', source, {extension: '.js'})
      assert.equal(path.basename(file), 'SendWelcomeEmail.js')
      const SendWelcomeEmail = await (await JobRegistry.scan(made.jobsDir)).load('SendWelcomeEmail')
      assert.ok(isJobClass(SendWelcomeEmail))
      assert.equal(jobNameOf(SendWelcomeEmail), 'SendWelcomeEmail')
      const job = new SendWelcomeEmail() as InstanceType<typeof SendWelcomeEmail> & {queue?: string}
      assert.deepEqual([job.tries, job.backoff, job.timeout, job.queue], [4, [1, 5, 10], 60, 'emails'])
      const lines: string[] = []
      const signal = new AbortController().signal
      await job.handle({data: 'ada'}, {id: '1', job: 'SendWelcomeEmail', queue: 'emails', attempt: 1, maxTries: 4, signal, stopping: signal, log: (line: string) => lines.push(line)})
      assert.deepEqual(lines, ['processed ada'])
    })
  }
})
