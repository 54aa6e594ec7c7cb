import {strict as assert} from 'node:assert'

import {topicsForTopic} from '../../../src/lib/config/index.js'
import {partitionShares, topicRoles} from '../../../src/lib/worker/topic-roles.js'

describe('partitionShares', () => {
  const emails = topicsForTopic('emails')
  const reports = topicsForTopic('reports')
  const roles = topicRoles([emails, reports])
  const counts = new Map([
    ['emails', 4],
    ['reports', 2],
  ])
  const worked = (queue: typeof emails) => [queue.topic, queue.retryTopic, ...queue.delayTopics]

  it('is the share of the queue’s partitions this worker holds, over all the topics it is worked from', () => {
    // Partitions 0 and 1 of every topic of emails: half of them.
    const assignment = worked(emails).flatMap((topic) => [0, 1].map((partition) => ({topic, partition})))
    const shares = partitionShares(roles, assignment, counts)
    assert.equal(shares.get('emails'), 0.5)
    assert.equal(shares.get('reports'), 0)
  })

  it('adds up to 1 over the members of a group however the partitions are dealt', () => {
    const all = worked(emails).flatMap((topic) => [0, 1, 2, 3].map((partition) => ({topic, partition})))
    const members = [all.filter((_, index) => index % 3 === 0), all.filter((_, index) => index % 3 === 1), all.filter((_, index) => index % 3 === 2)]
    const total = members.reduce((sum, assignment) => sum + partitionShares(roles, assignment, counts).get('emails')!, 0)
    assert.ok(Math.abs(total - 1) < 1e-9, `shares add up to ${total}`)
  })

  it('is 1 for a queue whose partition count is unknown', () => {
    assert.equal(partitionShares(roles, [], new Map()).get('emails'), 1)
  })
})
