import {strict as assert} from 'node:assert'

import {type Producer} from 'kafkajs'

import {SendLanes} from '../../../../src/lib/kafka/kafkajs/send-lanes.js'

/** Lanes over producers that are never used: which lane a send takes is all these tests read. */
function lanes() {
  let made = 0
  const fake = () => ({connect: async () => {}, disconnect: async () => {}}) as unknown as Producer
  const all = new SendLanes<string>(
    fake(),
    () => {
      made++
      return fake()
    },
    4,
  )
  return {all, made: () => made}
}

describe('send lanes', () => {
  it('sends through the first lane while it is idle, and starts no other producer', () => {
    const {all, made} = lanes()
    const first = all.take('jobs', 2)
    assert.equal(first.lane, all.first)
    first.answered()
    assert.equal(all.take('jobs', 3).lane, all.first)
    assert.equal(made(), 0)
  })

  it('keeps a partition with sends unanswered on its lane, and gives other partitions new lanes, four at most', () => {
    const {all} = lanes()
    const taken = [0, 1, 2, 3, 4].map((partition) => {
      const send = all.take('jobs', partition)
      send.lane.flushing = true
      send.lane.waiting.push(`p${partition}`)
      return send
    })
    assert.equal(new Set(taken.slice(0, 4).map((each) => each.lane)).size, 4, 'four partitions, four lanes')
    assert.ok(taken.slice(0, 4).map((each) => each.lane).includes(taken[4].lane), 'a fifth partition shares a lane')
    assert.equal(all.take('jobs', 2).lane, taken[2].lane, 'a partition keeps its lane while it has sends unanswered')
  })

  it('lets a partition take another lane once all its sends are answered', () => {
    const {all} = lanes()
    const first = all.take('jobs', 0)
    first.lane.flushing = true
    first.answered()
    const again = all.take('jobs', 0)
    assert.notEqual(again.lane, first.lane, 'the first lane is busy with a request of its own')
  })
})
