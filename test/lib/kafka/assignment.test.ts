import {strict as assert} from 'node:assert'

import {type MemberSubscription, type PartitionsByTopic, assignBySubscription} from '../../../src/lib/kafka/assignment.js'

/** A queue's topics as kq names them, each with `count` partitions. */
function queueTopics(queue: string, count: number): PartitionsByTopic {
  const numbers = Array.from({length: count}, (_, partition) => partition)
  return {[queue]: numbers, [`${queue}-retry`]: numbers}
}

function subscriber(memberId: string, ...queues: string[]): MemberSubscription {
  return {memberId, topics: queues.flatMap((queue) => [queue, `${queue}-retry`])}
}

/** How many partitions of `topic` each member got, in member order. */
function shares(assignment: Map<string, PartitionsByTopic>, topic: string): number[] {
  return [...assignment.values()].map((given) => given[topic]?.length ?? 0)
}

/** Every partition of every topic, once each, as `topic:partition`. */
function everyPartition(assignment: Map<string, PartitionsByTopic>): string[] {
  return [...assignment.values()]
    .flatMap((given) => Object.entries(given).flatMap(([topic, numbers]) => numbers.map((number) => `${topic}:${number}`)))
    .sort()
}

describe('assigning partitions by subscription', () => {
  it('gives each member only topics it subscribed to, when members of two queues share a group', () => {
    const partitions = {...queueTopics('qa', 3), ...queueTopics('qb', 3)}
    const assignment = assignBySubscription([subscriber('m-2', 'qb'), subscriber('m-1', 'qa')], partitions)

    assert.deepEqual(assignment.get('m-1'), {qa: [0, 1, 2], 'qa-retry': [0, 1, 2]})
    assert.deepEqual(assignment.get('m-2'), {qb: [0, 1, 2], 'qb-retry': [0, 1, 2]})
  })

  it("never hands a member another queue's topics, however many workers each queue has", () => {
    const partitions = {...queueTopics('qa', 5), ...queueTopics('qb', 2)}
    const members = [subscriber('a1', 'qa'), subscriber('b1', 'qb'), subscriber('a2', 'qa'), subscriber('b2', 'qb'), subscriber('b3', 'qb')]
    const assignment = assignBySubscription(members, partitions)

    for (const {memberId, topics} of members) {
      for (const topic of Object.keys(assignment.get(memberId) ?? {})) assert.ok(topics.includes(topic), `${memberId} got ${topic}`)
    }

    assert.deepEqual(everyPartition(assignment), everyPartition(new Map([['all', partitions]])))
  })

  it('shares one queue between its workers as round-robin does: shares differ by one at most', () => {
    for (const [workers, count] of [
      [2, 4],
      [3, 8],
      [4, 3],
      [5, 12],
    ]) {
      const members = Array.from({length: workers}, (_, index) => subscriber(`w${index}`, 'orders'))
      const assignment = assignBySubscription(members, queueTopics('orders', count))

      for (const topic of ['orders', 'orders-retry']) {
        const counts = shares(assignment, topic)
        assert.equal(
          counts.reduce((sum, each) => sum + each, 0),
          count,
        )
        assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${workers} workers, ${count} partitions: ${counts.join(', ')}`)
      }
    }
  })

  it("gives partition p of a queue's topic and of its retry topic to the same member", () => {
    const members = [subscriber('w1', 'orders'), subscriber('w2', 'orders'), subscriber('w3', 'orders')]
    const assignment = assignBySubscription(members, queueTopics('orders', 7))

    for (const given of assignment.values()) assert.deepEqual(given['orders-retry'], given.orders)
  })

  it('still shares evenly when a queue has more partitions than its retry topic', () => {
    const members = [subscriber('w1', 'orders'), subscriber('w2', 'orders')]
    const assignment = assignBySubscription(members, {orders: [0, 1, 2, 3, 4, 5], 'orders-retry': [0, 1, 2]})

    assert.deepEqual(shares(assignment, 'orders'), [3, 3])
    assert.equal(everyPartition(assignment).length, 9)
  })

  it('gives a topic nobody subscribed to nobody, and a member subscribed to nothing nothing', () => {
    const partitions = {...queueTopics('qa', 2), ...queueTopics('orphan', 2)}
    const assignment = assignBySubscription([subscriber('m1', 'qa'), {memberId: 'm2', topics: []}], partitions)

    assert.deepEqual(everyPartition(assignment), ['qa-retry:0', 'qa-retry:1', 'qa:0', 'qa:1'])
    assert.deepEqual(assignment.get('m2'), {})
  })

  it('lets a member that alone works one queue take less of a queue it shares', () => {
    const partitions = {...queueTopics('qa', 4), ...queueTopics('qb', 4)}
    const assignment = assignBySubscription([subscriber('both', 'qa', 'qb'), subscriber('only-a', 'qa')], partitions)

    assert.deepEqual(assignment.get('both'), {qb: [0, 1, 2, 3], 'qb-retry': [0, 1, 2, 3]})
    assert.deepEqual(assignment.get('only-a'), {qa: [0, 1, 2, 3], 'qa-retry': [0, 1, 2, 3]})
  })

  it('assigns the same way whatever order the members and topics come in', () => {
    const partitions = {...queueTopics('qa', 5), ...queueTopics('qb', 3)}
    const members = [subscriber('x', 'qa'), subscriber('y', 'qa', 'qb'), subscriber('z', 'qb'), subscriber('w', 'qa')]
    const reversedPartitions = Object.fromEntries(Object.entries(partitions).reverse())
    const first = assignBySubscription(members, partitions)
    const second = assignBySubscription([...members].reverse(), reversedPartitions)

    assert.deepEqual(Object.fromEntries(second), Object.fromEntries(first))
    assert.deepEqual([...first.keys()], ['w', 'x', 'y', 'z'])
  })

  it('leaves a lone partition with the member that holds it when another joins', () => {
    const partitions = queueTopics('orders', 1)
    const assignment = assignBySubscription(
      [{...subscriber('a-new', 'orders')}, {...subscriber('z-old', 'orders'), owned: {orders: [0], 'orders-retry': [0]}}],
      partitions,
    )
    assert.deepEqual(assignment.get('z-old'), {orders: [0], 'orders-retry': [0]})
    assert.deepEqual(assignment.get('a-new'), {})
  })

  it('moves only what a joining member’s fair share needs, and keeps the rest where it was', () => {
    const all = [0, 1, 2, 3, 4, 5]
    const assignment = assignBySubscription(
      [
        {...subscriber('old', 'orders'), owned: {orders: all, 'orders-retry': all}},
        {...subscriber('new', 'orders')},
      ],
      queueTopics('orders', 6),
    )
    assert.equal(assignment.get('old')?.orders?.length, 3)
    assert.equal(assignment.get('new')?.orders?.length, 3)
    for (const partition of assignment.get('old')?.orders ?? []) assert.ok(all.includes(partition))
    assert.deepEqual(everyPartition(assignment).length, 12)
  })
})
