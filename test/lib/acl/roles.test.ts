import {strict as assert} from 'node:assert'

import {roleScope} from '../../../src/lib/acl/index.js'
import {type Role, roleBindings} from '../../../src/lib/acl/roles.js'
import {topicsForQueue} from '../../../src/lib/config/index.js'
import {UsageError} from '../../../src/lib/errors.js'

const naming = {queue: 'default', topic: 'default'}
const scope = {principal: 'User:alice', queues: [topicsForQueue(naming, 'orders')], group: 'orders-workers', controlTopic: 'kq-control', batchTopic: 'kq-batches'}
const delays = topicsForQueue(naming, 'orders').delayTopics

/** The bindings of a role as `resource pattern name OPERATION` lines, sorted. */
function grants(role: Role, over = scope): string[] {
  return roleBindings(role, over)
    .map((binding) => `${binding.resourceType} ${binding.pattern} ${binding.name} ${binding.operation}`)
    .sort()
}

function on(lines: string[], name: string): string[] {
  return lines.filter((line) => line.split(' ')[2] === name).map((line) => line.split(' ')[3])
}

describe('the ACLs of each kq role', () => {
  it('lets a dispatcher write and describe the queue topic and its delay topics, make and write the batch topic, and nothing else', () => {
    const lines = grants('dispatcher')
    assert.deepEqual(on(lines, 'orders'), ['describe', 'write'])
    for (const topic of delays) assert.deepEqual(on(lines, topic), ['describe', 'write'])
    assert.deepEqual(on(lines, 'kq-batches'), ['create', 'describe', 'write'])
    assert.equal(lines.length, 2 * (1 + delays.length) + 3)
    assert.ok(lines.every((line) => line.startsWith('topic literal ')))
    assert.ok(!lines.some((line) => / read$/.test(line)), 'a dispatcher reads nothing')
  })

  it('lets a worker read its topics and group, write retries, delays and dead letters, and read the control topic', () => {
    const lines = grants('worker')
    assert.deepEqual(on(lines, 'orders'), ['describe', 'read'])
    assert.deepEqual(on(lines, 'orders-retry'), ['describe', 'read', 'write'])
    for (const topic of delays) assert.deepEqual(on(lines, topic), ['describe', 'read', 'write'])
    assert.deepEqual(on(lines, 'orders-dlt'), ['describe', 'write'])
    assert.deepEqual(on(lines, 'orders-workers'), ['describe', 'read'])
    assert.deepEqual(on(lines, 'kq-control'), ['describe', 'read'])
    assert.ok(lines.includes('group prefixed orders-workers-control read'), 'the control reader groups')
    assert.deepEqual(on(lines, 'kq-batches'), ['describe', 'read', 'write'])
    assert.ok(lines.includes('group prefixed orders-workers-batches read'), 'the batch reader groups')
    assert.ok(!lines.some((line) => line.includes('orders-dlt read')), 'a worker never reads dead letters')
  })

  it('lets an operator describe everything it reports on, read dead letters, replay, and send control records', () => {
    const lines = grants('operator')
    assert.deepEqual(on(lines, 'orders'), ['describe', 'write'])
    assert.deepEqual(on(lines, 'orders-retry'), ['describe'])
    for (const topic of delays) assert.deepEqual(on(lines, topic), ['describe'])
    assert.deepEqual(on(lines, 'orders-dlt'), ['describe', 'read'])
    assert.deepEqual(on(lines, 'orders-workers'), ['describe'])
    assert.ok(lines.includes('group prefixed orders-workers-dlt read'), 'the dead-letter cursor and its readers')
    assert.deepEqual(on(lines, 'kq-control'), ['create', 'describe', 'read', 'write'])
    assert.deepEqual(on(lines, 'kq-batches'), ['describe', 'read'])
    assert.ok(lines.includes('group prefixed orders-workers-batches read'), 'the batch reader groups')
    assert.ok(!lines.some((line) => /^topic literal orders(-retry|-delay-\S+)? read$/.test(line)), 'an operator never reads jobs')
  })

  it('grants each binding once, for every queue asked, to the principal given, allowing from any host', () => {
    const two = {...scope, queues: [topicsForQueue(naming, 'orders'), topicsForQueue(naming, 'emails')]}
    const bindings = roleBindings('worker', two)
    assert.equal(new Set(bindings.map((b) => `${b.resourceType} ${b.name} ${b.operation}`)).size, bindings.length)
    assert.ok(bindings.some((b) => b.name === 'emails-dlt'))
    assert.ok(bindings.every((b) => b.principal === 'User:alice' && b.host === '*' && b.permission === 'allow'))
    assert.ok(bindings.every((b) => b.why.startsWith('kq ')))
  })

  it('names the topics of the default queue after KAFKA_TOPIC, and takes the group and control topic from the configuration', () => {
    const config = {queue: 'default', topic: 'jobs', consumerGroup: 'kq-workers', controlTopic: 'ops-control', batchTopic: 'ops-batches'}
    const defaulted = roleScope(config, {role: 'worker', principal: 'User:w', queues: []})
    assert.equal(defaulted.queues[0].topic, 'jobs')
    assert.equal(defaulted.group, 'kq-workers')
    assert.ok(grants('worker', defaulted).includes('topic literal ops-control read'))
    assert.ok(grants('worker', defaulted).includes('topic literal ops-batches write'))
    assert.ok(grants('worker', defaulted).includes('topic literal jobs-retry write'))
  })

  it('refuses a principal without its type, and a queue that is no topic name, as usage errors', () => {
    const config = {queue: 'default', topic: 'default', consumerGroup: 'kq-workers', controlTopic: 'kq-control', batchTopic: 'kq-batches'}
    assert.throws(() => roleScope(config, {role: 'worker', principal: 'alice', queues: []}), (error: Error) => {
      assert.ok(error instanceof UsageError)
      assert.match(error.message, /^--principal must be Kafka's principal form, TYPE:NAME such as User:alice/)
      return true
    })
    assert.throws(() => roleScope(config, {role: 'worker', principal: 'User:a', queues: ['my queue']}), UsageError)
  })
})
