import {strict as assert} from 'node:assert'

import {z} from 'zod'

import {Job, type JobContext} from '../../../src/lib/jobs/job.js'
import {checkPayload} from '../../../src/lib/schema/validate.js'
import {fakeQueue, runJob} from '../../../src/testing.js'

const signUp = z.object({email: z.email(), plan: z.enum(['free', 'pro']).default('free'), tags: z.array(z.string()).optional()})

/** A job whose schema is a zod object, as the README's schema example declares one. */
class SendWelcomeEmail extends Job<z.infer<typeof signUp>> {
  override schema = signUp

  override async handle(payload: z.infer<typeof signUp>, ctx: JobContext): Promise<void> {
    ctx.log(`welcome to ${payload.plan}`)
  }
}

describe('payload schemas written with zod (Standard Schema)', () => {
  it("takes zod's output, its defaults applied", async () => {
    assert.deepEqual(await checkPayload(signUp, {email: 'ada@example.com'}, 'SendWelcomeEmail'), {ok: true, value: {email: 'ada@example.com', plan: 'free'}})
  })

  it('names the nested field zod refuses, in one line', async () => {
    const checked = await checkPayload(signUp, {email: 'ada@example.com', tags: ['a', 7]}, 'SendWelcomeEmail')
    assert.ok(!checked.ok)
    assert.match(checked.error.message, /^payload of SendWelcomeEmail is invalid at tags\[1\]: /)
    assert.equal(checked.error.message.split('\n').length, 1)
  })

  it('refuses a bad payload at dispatch, so nothing is recorded, and runs a good one with its defaults', async () => {
    const queue = fakeQueue()
    try {
      await assert.rejects(SendWelcomeEmail.dispatch({email: 'not an address'} as never), /payload of SendWelcomeEmail is invalid at email: /)
      queue.assertNothingDispatched()
      await SendWelcomeEmail.dispatch({email: 'ada@example.com', plan: 'pro'})
      queue.assertDispatched(SendWelcomeEmail, (job) => job.payload.plan === 'pro')
    } finally {
      queue.restore()
    }

    const run = await runJob(SendWelcomeEmail, {email: 'grace@example.com'} as never)
    assert.ok(run.ok, JSON.stringify(run))
    assert.deepEqual(run.logs, ['welcome to free'])
  })
})
