import {strict as assert} from 'node:assert'

import {type Crossing, alertChanges, queueAlerts, webhookPayload, webhookUrl} from '../../../src/lib/monitoring/index.js'
import {type QueueStatus, type StatusSnapshot} from '../../../src/lib/monitoring/index.js'
import {UsageError} from '../../../src/lib/errors.js'

function queue(name: string, figures: Partial<QueueStatus> = {}): QueueStatus {
  return {
    queue: name,
    topic: name,
    retryTopic: `${name}-retry`,
    deadLetterTopic: `${name}-dlt`,
    delayTopics: [],
    lag: 0,
    retryLag: 0,
    delayed: 0,
    pendingDeadLetters: 0,
    undescribable: [],
    workers: 1,
    rate: null,
    drainSeconds: 0,
    paused: null,
    alerts: [],
    partitions: [],
    deadLetters: [],
    warnings: [],
    ...figures,
  }
}

function snapshot(queues: QueueStatus[]): StatusSnapshot {
  return {
    time: '2026-11-26T17:30:01.000Z',
    group: {id: 'kq-workers', state: 'Stable', members: []},
    deadLetterGroup: 'kq-workers-dlt',
    rateWindowSeconds: 2,
    thresholds: {maxLag: 1000, maxDead: 0},
    queues,
    alert: queues.some((each) => each.alerts.length > 0),
  }
}

const lagAlert: Crossing = {queue: 'orders', alert: {kind: 'lag', value: 1200, threshold: 1000}}
const deadAlert: Crossing = {queue: 'emails', alert: {kind: 'dead', value: 2, threshold: 0}}

describe('status: alerts', () => {
  it('raises a lag alert only above --max-lag, not at it', () => {
    assert.deepEqual(queueAlerts({lag: 1000, pendingDeadLetters: 0}, {maxLag: 1000}), [])
    assert.deepEqual(queueAlerts({lag: 1001, pendingDeadLetters: 0}, {maxLag: 1000}), [{kind: 'lag', value: 1001, threshold: 1000}])
  })

  it('raises a dead-letter alert above --max-dead, so --max-dead 0 alerts on the first one', () => {
    assert.deepEqual(queueAlerts({lag: 0, pendingDeadLetters: 0}, {maxDead: 0}), [])
    assert.deepEqual(queueAlerts({lag: 0, pendingDeadLetters: 1}, {maxDead: 0}), [{kind: 'dead', value: 1, threshold: 0}])
  })

  it('raises both, and nothing without thresholds or with unknown figures', () => {
    assert.deepEqual(queueAlerts({lag: 5, pendingDeadLetters: 5}, {maxLag: 1, maxDead: 1}).map((each) => each.kind), ['lag', 'dead'])
    assert.deepEqual(queueAlerts({lag: 5, pendingDeadLetters: 5}, {}), [])
    assert.deepEqual(queueAlerts({lag: null, pendingDeadLetters: null}, {maxLag: 0, maxDead: 0}), [])
  })

  it('reports a crossing once while it lasts, again after it cleared and crossed anew', () => {
    const first = alertChanges([], [lagAlert])
    assert.deepEqual(first, {raised: [lagAlert], cleared: []})
    const still = alertChanges([lagAlert], [{...lagAlert, alert: {...lagAlert.alert, value: 1500}}])
    assert.deepEqual(still, {raised: [], cleared: []})
    assert.deepEqual(alertChanges([lagAlert], []), {raised: [], cleared: [lagAlert]})
    assert.deepEqual(alertChanges([], [lagAlert]).raised, [lagAlert])
  })

  it('tells a new threshold of a queue already in alert', () => {
    const orderDead: Crossing = {queue: 'orders', alert: {kind: 'dead', value: 3, threshold: 0}}
    assert.deepEqual(alertChanges([lagAlert], [lagAlert, orderDead]), {raised: [orderDead], cleared: []})
  })
})

describe('status: webhook message', () => {
  it('has a Slack-compatible text naming each crossing, and the queues concerned with their figures', () => {
    const orders = queue('orders', {lag: 1200, alerts: [lagAlert.alert]})
    const emails = queue('emails', {pendingDeadLetters: 2, alerts: [deadAlert.alert]})
    const payload = webhookPayload(snapshot([orders, emails, queue('idle')]), {raised: [lagAlert, deadAlert], cleared: []})
    assert.deepEqual(payload, {
      text: 'kq alert (group kq-workers): orders lag 1200 > 1000; emails dead letters 2 > 0',
      status: 'alert',
      group: 'kq-workers',
      time: '2026-11-26T17:30:01.000Z',
      queues: [
        {queue: 'orders', topic: 'orders', lag: 1200, retryLag: 0, pendingDeadLetters: 0, drainSeconds: 0, alerts: [lagAlert.alert]},
        {queue: 'emails', topic: 'emails', lag: 0, retryLag: 0, pendingDeadLetters: 2, drainSeconds: 0, alerts: [deadAlert.alert]},
      ],
    })
  })

  it('says when a queue is back under its threshold', () => {
    const payload = webhookPayload(snapshot([queue('orders', {lag: 20})]), {raised: [], cleared: [lagAlert]})
    assert.equal(payload?.status, 'resolved')
    assert.equal(payload?.text, 'kq resolved (group kq-workers): orders lag 20 (max 1000)')
  })

  it('sends nothing when nothing changed', () => {
    assert.equal(webhookPayload(snapshot([queue('orders')]), {raised: [], cleared: []}), undefined)
  })

  it('takes http and https URLs only', () => {
    assert.equal(webhookUrl('https://hooks.slack.com/services/T/B/X').origin, 'https://hooks.slack.com')
    assert.throws(() => webhookUrl('hooks.slack.com/x'), UsageError)
    assert.throws(() => webhookUrl('file:///etc/passwd'), UsageError)
  })
})
