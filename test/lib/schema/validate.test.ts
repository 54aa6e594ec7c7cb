import {strict as assert} from 'node:assert'

import {ExitCode} from '../../../src/lib/errors.js'
import {type StandardSchemaV1} from '../../../src/lib/schema/standard.js'
import {PayloadInvalidError, assertPayloadValid, checkPayload, describeIssues, formatPath} from '../../../src/lib/schema/validate.js'

/** A hand-written schema: an object with a numeric userId, returned with a default locale. */
const user: StandardSchemaV1<unknown, {userId: number; locale: string}> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate(value) {
      if (typeof value !== 'object' || value === null) return {issues: [{message: 'expected an object'}]}
      const {userId, locale} = value as {userId?: unknown; locale?: unknown}
      if (typeof userId !== 'number') return {issues: [{message: 'expected a number', path: ['userId']}]}
      return {value: {userId, locale: typeof locale === 'string' ? locale : 'en'}}
    },
  },
}

const asyncSchema: StandardSchemaV1 = {
  '~standard': {version: 1, vendor: 'test', validate: async (value) => (value === 'ok' ? {value} : {issues: [{message: 'not ok', path: [{key: 'deep'}, 0]}]})},
}

describe('payload schemas', () => {
  it("gives the schema's output, defaults applied, for a payload it accepts", async () => {
    assert.deepEqual(await checkPayload(user, {userId: 42}, 'SendWelcomeEmail'), {ok: true, value: {userId: 42, locale: 'en'}})
  })

  it('refuses with one line naming the job, the field and the issue', async () => {
    const checked = await checkPayload(user, {userId: 'forty-two'}, 'SendWelcomeEmail')
    assert.equal(checked.ok, false)
    assert.ok(!checked.ok && checked.error instanceof PayloadInvalidError)
    assert.equal(checked.error.message, 'payload of SendWelcomeEmail is invalid at userId: expected a number')
    assert.equal(checked.error.exitCode, ExitCode.Usage)
    assert.deepEqual(checked.error.issues, [{message: 'expected a number', path: ['userId']}])
  })

  it('refuses null, as a payload the schema does not name a field of', async () => {
    await assert.rejects(assertPayloadValid(user, null, 'SendWelcomeEmail'), {
      name: 'PayloadInvalidError',
      message: 'payload of SendWelcomeEmail is invalid: expected an object',
    })
  })

  it('waits for a schema that answers with a promise, and reads path segments given as {key}', async () => {
    assert.deepEqual(await checkPayload(asyncSchema, 'ok', 'J'), {ok: true, value: 'ok'})
    const checked = await checkPayload(asyncSchema, 'no', 'J')
    assert.equal(!checked.ok && checked.error.message, 'payload of J is invalid at deep[0]: not ok')
  })

  it('refuses, rather than throws, when the schema throws or is not a Standard Schema', async () => {
    const throwing: StandardSchemaV1 = {'~standard': {version: 1, vendor: 'test', validate: () => { throw new Error('boom') }}}
    const throws = await checkPayload(throwing, {}, 'J')
    assert.equal(!throws.ok && throws.error.message, 'payload of J is invalid: its schema threw: boom')
    const notASchema = await checkPayload({} as StandardSchemaV1, {}, 'J')
    assert.match(!notASchema.ok ? notASchema.error.message : '', /its schema is not a Standard Schema validator/)
  })

  it('lets a job without a schema through without looking', async () => {
    await assertPayloadValid(undefined, null, 'J')
  })

  it('names the first issue and counts the others', () => {
    const issues = [{message: 'a', path: ['x']}, {message: 'b'}, {message: 'c'}]
    assert.equal(describeIssues('J', issues), 'payload of J is invalid at x: a (and 2 more issues)')
    assert.equal(describeIssues('J', issues.slice(0, 2)), 'payload of J is invalid at x: a (and 1 more issue)')
  })

  it('writes a path as JavaScript would', () => {
    assert.equal(formatPath(['items', 0, 'name']), 'items[0].name')
    assert.equal(formatPath([{key: 'user'}, {key: 'first name'}]), 'user["first name"]')
    assert.equal(formatPath([3]), '[3]')
  })
})
