import {strict as assert} from 'node:assert'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

import {SendDeadlines} from '../../../../src/lib/kafka/kafkajs/send-deadlines.js'

/** A send that Kafka never answers. */
const unanswered = () => new Promise<never>(() => {})
const timedOut = (name: string) => () => new Error(`${name} timed out`)

/** A clock the test moves; the timer still runs on real time, and only decides when to look. */
function clock() {
  let now = 0
  return {now: () => now, set: (to: number) => (now = to)}
}

/** Runs `body` in a fresh Node with SendDeadlines in scope; its output and how it ended. */
function inChildProcess(body: string) {
  const module = fileURLToPath(new URL('../../../../src/lib/kafka/kafkajs/send-deadlines.js', import.meta.url))
  const script = `const {SendDeadlines} = await import(${JSON.stringify(module)})\n${body}`
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8', timeout: 30_000})
}

describe('the deadline of a send', () => {
  it("gives the send's own answer when Kafka answers in time", async () => {
    const deadlines = new SendDeadlines(60_000)
    assert.equal(await deadlines.bound(Promise.resolve('written'), timedOut('send')), 'written')
    deadlines.close()
  })

  it("gives the send's own failure when it fails in time", async () => {
    const deadlines = new SendDeadlines(60_000)
    await assert.rejects(deadlines.bound(Promise.reject(new Error('refused')), timedOut('send')), /refused/)
    deadlines.close()
  })

  it('fails a send Kafka leaves unanswered with the deadline error', async () => {
    const deadlines = new SendDeadlines(10)
    await assert.rejects(deadlines.bound(unanswered(), timedOut('send')), /send timed out/)
  })

  it('counts each send from its own start, not from the first one waiting', async () => {
    const time = clock()
    const deadlines = new SendDeadlines(10, time.now)
    const first = deadlines.bound(unanswered(), timedOut('first'))
    time.set(5)
    let secondEnded = false
    const second = deadlines.bound(unanswered(), timedOut('second')).finally(() => (secondEnded = true))
    second.catch(() => {})
    time.set(10)
    await assert.rejects(first, /first timed out/)
    assert.equal(secondEnded, false, 'the second send has 5 ms of its own left')
    time.set(15)
    await assert.rejects(second, /second timed out/)
  })

  it('bounds sends made after the earlier ones were answered', async () => {
    const deadlines = new SendDeadlines(10)
    assert.equal(await deadlines.bound(Promise.resolve(1), timedOut('first')), 1)
    await assert.rejects(deadlines.bound(unanswered(), timedOut('second')), /second timed out/)
  })

  it('keeps the process alive while a send waits, so that its error is seen', () => {
    const run = inChildProcess(`
      const deadlines = new SendDeadlines(50)
      deadlines.bound(new Promise(() => {}), () => new Error('no acknowledgement')).catch((error) => console.log(error.message))
    `)
    assert.equal(run.stdout.trim(), 'no acknowledgement')
  })

  it('does not keep the process alive once every send was answered', () => {
    const run = inChildProcess(`
      const deadlines = new SendDeadlines(600_000)
      console.log(await deadlines.bound(Promise.resolve('written'), () => new Error('no acknowledgement')))
    `)
    assert.equal(run.error, undefined, 'the process ended on its own, before its ten-minute deadline')
    assert.equal(run.status, 0)
    assert.equal(run.stdout.trim(), 'written')
  })
})
