import {strict as assert} from 'node:assert'

import {closest, editDistance} from '../../../src/lib/text/closest.js'

describe('closest', () => {
  it('counts insertions, deletions and substitutions', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3)
    assert.equal(editDistance('', 'abc'), 3)
    assert.equal(editDistance('same', 'same'), 0)
  })

  it('finds the intended word behind a typo, ignoring case', () => {
    assert.equal(closest('topic:craete', ['topic:create', 'topic:list', 'kafka:up']), 'topic:create')
    assert.equal(closest('SendEmial', ['SendEmail', 'ExampleKafkaJob']), 'SendEmail')
  })

  it('suggests nothing when no candidate is close', () => {
    assert.equal(closest('frobnicate', ['topic:create', 'kafka:up']), undefined)
    assert.equal(closest('x', []), undefined)
  })
})
