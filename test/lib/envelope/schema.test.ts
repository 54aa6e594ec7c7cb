import {strict as assert} from 'node:assert'
import {readFileSync} from 'node:fs'
import path from 'node:path'

import Ajv2020 from 'ajv/dist/2020.js'

import {createEnvelope, decodeEnvelope, encodeEnvelope, type EnvelopeInput} from '../../../src/lib/envelope/index.js'
import {REPO_ROOT} from '../../support/paths.js'
import {ACCEPTED, BEYOND_THE_SCHEMA, REJECTED} from './cases.js'

/**
 * The JSON Schema is what producers in other languages validate against, and the code is what
 * kq enforces: these tests run both on the same inputs so they cannot drift apart.
 */

const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'docs', 'envelope.schema.json'), 'utf8'))
// Strict mode refuses unknown keywords and formats: the schema must work in a plain validator.
const validate = new Ajv2020.default({strict: true, allErrors: true}).compile(schema)

function explain(): string {
  return JSON.stringify(validate.errors?.map((error) => `${error.instancePath} ${error.message}`))
}

describe('envelope JSON Schema', () => {
  it('is draft 2020-12 and allows fields it does not name', () => {
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema')
    assert.equal(schema.additionalProperties, true)
  })

  it('names exactly the fields the code knows, and requires the same ones, payload or encrypted', () => {
    const full = createEnvelope({
      job: 'A',
      queue: 'q',
      payload: 1,
      maxTries: 2,
      timeout: 3,
      backoff: [4],
      chain: [{job: 'B', queue: 'q', payload: 2}],
      chainCatch: {job: 'C', queue: 'q'},
      batch: {id: '0192f5a0-7c1e-7000-8000-000000000001', partition: 0, offset: 0},
    })
    assert.deepEqual(Object.keys(schema.properties).sort(), [...Object.keys(full), 'encrypted'].sort())
    const minimal = createEnvelope({job: 'A', queue: 'q', payload: 1})
    assert.deepEqual([...schema.required, 'payload'].sort(), Object.keys(minimal).sort())
    assert.deepEqual(schema.anyOf.map((branch: {required: string[]}) => branch.required), [['payload'], ['encrypted']])
  })

  it('accepts every envelope encode writes', () => {
    const inputs: Array<EnvelopeInput<unknown>> = [
      {job: 'SendWelcomeEmail', queue: 'emails', payload: {userId: 42}},
      {job: 'A', queue: 'q', payload: null},
      {job: '$x', queue: 'a.b_c-d', payload: ['a', 1, true, null, {nested: {deep: []}}]},
      {job: 'Charge', queue: 'billing', payload: 'text', maxTries: 5, timeout: 0.25, backoff: [0, 1.5, 60]},
      {job: 'J'.repeat(200), queue: 'q'.repeat(243), payload: 0},
      {
        job: 'Transcode',
        queue: 'media',
        payload: {id: 7},
        chain: [
          {job: 'Publish', queue: 'media', payload: null, key: 'film-7', maxTries: 3, timeout: 30, backoff: [1, 5]},
          {job: 'Notify', queue: 'emails', payload: {id: 7}},
        ],
        chainCatch: {job: 'ChainFailed', queue: 'media'},
      },
      {job: 'ResizeImage', queue: 'media', payload: {id: 8}, batch: {id: '0192f5a0-7c1e-7abc-9def-0123456789ab', partition: 2, offset: 1234}},
    ]
    for (const input of inputs) {
      for (const now of [new Date(0), new Date('2026-11-26T17:30:01.123Z'), new Date()]) {
        const envelope = createEnvelope(input, {now: () => now})
        const written = JSON.parse(encodeEnvelope(envelope).value.toString('utf8'))
        assert.ok(validate(written), `${JSON.stringify(written).slice(0, 200)}: ${explain()}`)
        const again = {...decodeEnvelope(encodeEnvelope(envelope).value), attempt: 9}
        assert.ok(validate(JSON.parse(encodeEnvelope(again).value.toString())), explain())
      }
    }
  })

  it('agrees with decode on the example in envelope.md', () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'envelope.md'), 'utf8')
    const example = /```json\n(.+)\n```/.exec(doc)?.[1]
    assert.ok(example, 'envelope.md has a JSON example')
    assert.equal(decodeEnvelope(example).job, 'SendWelcomeEmail')
    assert.ok(validate(JSON.parse(example)), explain())
  })

  describe('accepts what decode accepts', () => {
    for (const accepted of ACCEPTED) {
      it(accepted.name, () => {
        decodeEnvelope(accepted.json)
        assert.ok(validate(JSON.parse(accepted.json)), explain())
      })
    }
  })

  describe('rejects what decode rejects as not an envelope, another version or a bad field', () => {
    for (const rejected of REJECTED) {
      it(rejected.name, () => {
        assert.throws(() => decodeEnvelope(rejected.json))
        assert.equal(validate(JSON.parse(rejected.json)), false, `the schema accepts ${rejected.json}`)
      })
    }
  })

  describe('cannot express a few rules, which decode still applies', () => {
    for (const rejected of BEYOND_THE_SCHEMA) {
      it(rejected.name, () => {
        assert.throws(() => decodeEnvelope(rejected.json))
        assert.ok(validate(JSON.parse(rejected.json)), explain())
      })
    }
  })
})
