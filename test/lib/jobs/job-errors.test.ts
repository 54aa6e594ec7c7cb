import {strict as assert} from 'node:assert'

import {JobRegistry} from '../../../src/lib/jobs/registry.js'
import {app, inside, unknownJob} from './registry-apps.js'

describe('UnknownJobError, as the registry throws it for a name no job file has', () => {
  it('suggests the nearest job and lists the known ones, with the folder relative to the working folder', async () => {
    const {root, jobsDir} = app({SendEmail: '', ExampleKafkaJob: ''})
    const registry = await JobRegistry.scan(jobsDir)
    const error = await inside(root, () => unknownJob(registry, 'SendEmial'))
    assert.equal(error.message, 'unknown job "SendEmial": did you mean SendEmail? Known jobs in src/jobs: ExampleKafkaJob, SendEmail')
    assert.equal(error.suggestion, 'SendEmail')
    assert.deepEqual(error.details, {job: 'SendEmial', jobsDir, known: ['ExampleKafkaJob', 'SendEmail'], suggestion: 'SendEmail'})
  })

  it('lists the known jobs without a guess when none is close, with the absolute folder outside the working folder', async () => {
    const {jobsDir} = app({SendEmail: '', ExampleKafkaJob: ''})
    const registry = await JobRegistry.scan(jobsDir)
    const error = await unknownJob(registry, 'Frobnicate')
    assert.equal(error.message, `unknown job "Frobnicate": known jobs in ${jobsDir}: ExampleKafkaJob, SendEmail`)
    assert.equal(error.suggestion, undefined)
  })

  it('says how to create the first job when the folder has none', async () => {
    const {root, jobsDir} = app()
    const registry = await JobRegistry.scan(jobsDir)
    assert.equal(
      (await inside(root, () => unknownJob(registry, 'X'))).message,
      'unknown job "X": there are no jobs in src/jobs yet; create one with `kq make:job X`',
    )
    assert.equal(
      (await inside(root, () => unknownJob(registry, '../Evil'))).message,
      'unknown job "../Evil": there are no jobs in src/jobs yet; create one with `kq make:job <Name>`',
    )
  })

  it('lists ten known jobs at most, and counts the rest', async () => {
    const jobs = Object.fromEntries(Array.from({length: 13}, (_, index) => [`Job${String(index).padStart(2, '0')}`, '']))
    const registry = await JobRegistry.scan(app(jobs).jobsDir)
    const error = await unknownJob(registry, 'Frobnicate')
    assert.match(error.message, /: Job00, Job01, Job02, Job03, Job04, Job05, Job06, Job07, Job08, Job09 and 3 more$/)
  })

  it('keeps the message on one line and free of control characters, whatever the name', async () => {
    const registry = await JobRegistry.scan(app({SendEmail: ''}).jobsDir)
    for (const name of ['Send\nEmail', '\u001B[31mred', 'a\u009Bb', 'x\u202Ey', 'A'.repeat(100_000)]) {
      const {message} = await unknownJob(registry, name)
      assert.doesNotMatch(message, /[\u0000-\u001F\u007F-\u009F\u202E]/, JSON.stringify(message.slice(0, 40)))
      assert.ok(message.length < 300, `${message.length} characters`)
    }
  })
})
