import {strict as assert} from 'node:assert'

import kafkajs from 'kafkajs'

import {AuthorizationError, BrokerUnreachableError} from '../../../../src/lib/errors.js'
import {translateKafkaError} from '../../../../src/lib/kafka/kafkajs/errors.js'

/** A refused connection to one broker, as kafkajs reports it (with the socket's code on it). */
function refusedBy(broker: string): Error {
  return Object.assign(new kafkajs.KafkaJSConnectionError('Connection error: connect ECONNREFUSED', {broker}), {code: 'ECONNREFUSED'})
}

describe('translateKafkaError on a refused connection', () => {
  const cluster = ['127.0.0.1:19900', '127.0.0.1:19901', '127.0.0.1:19902']

  it('names the one broker that refused while the others answered, and says to try again rather than start a cluster', () => {
    const error = translateKafkaError(refusedBy('127.0.0.1:19901'), {brokers: cluster, action: 'sending to orders'})
    assert.ok(error instanceof BrokerUnreachableError)
    assert.equal(
      error.message,
      'cannot reach Kafka at 127.0.0.1:19901 (connection refused): the other brokers answer: Kafka moves the partitions a stopped broker led to another within seconds, so try again shortly; if it stays down, start that broker again',
    )
  })

  it('still says to start a broker or set KAFKA_BROKERS when the only broker refused', () => {
    const error = translateKafkaError(refusedBy('127.0.0.1:19900'), {brokers: ['127.0.0.1:19900']})
    assert.match(error.message, /^cannot reach Kafka at 127\.0\.0\.1:19900 \(connection refused\): start a local broker with `kq kafka:up` or set KAFKA_BROKERS/)
  })

  it('names the whole list when no broker answered at all', () => {
    const error = translateKafkaError(refusedBy('127.0.0.1:19902'), {brokers: cluster, noBrokerAnswered: true})
    assert.match(error.message, /^cannot reach Kafka at 127\.0\.0\.1:19900,127\.0\.0\.1:19901,127\.0\.0\.1:19902 \(connection refused\): start a local broker/)
  })

  it('gives no try-again advice for a broker that answered and then closed the connection', () => {
    const closed = Object.assign(new kafkajs.KafkaJSConnectionError('Connection error: socket closed', {broker: '127.0.0.1:19901'}), {code: 'ECONNRESET'})
    const error = translateKafkaError(closed, {brokers: cluster})
    assert.doesNotMatch(error.message, /try again shortly/)
  })
})

/** Kafka's refusal of a request for want of an ACL, as kafkajs reports it. */
function refused(type: string): Error {
  return new kafkajs.KafkaJSProtocolError({type, code: type === 'GROUP_AUTHORIZATION_FAILED' ? 30 : 29, message: 'Not authorized'} as never)
}

describe('translateKafkaError on a missing ACL', () => {
  const brokers = ['127.0.0.1:19900']

  it('names WRITE on the topic as what a refused send lacks', () => {
    const error = translateKafkaError(refused('TOPIC_AUTHORIZATION_FAILED'), {brokers, action: 'sending to orders'})
    assert.ok(error instanceof AuthorizationError)
    assert.equal(error.denied, 'Kafka denied WRITE on the topic while sending to orders (TOPIC_AUTHORIZATION_FAILED)')
    assert.equal(error.advice, "ask your Kafka admin for WRITE on the topic for this client's principal")
  })

  it('names READ on the group or the topic as what a refused consumer lacks', () => {
    const group = translateKafkaError(refused('GROUP_AUTHORIZATION_FAILED'), {brokers, action: 'consuming as group orders-workers'})
    assert.match(group.message, /^Kafka denied READ on the consumer group while consuming as group orders-workers \(GROUP_AUTHORIZATION_FAILED\): ask your Kafka admin for READ on the consumer group/)
    const topic = translateKafkaError(refused('TOPIC_AUTHORIZATION_FAILED'), {brokers, action: 'subscribing'})
    assert.match(topic.message, /^Kafka denied READ on the topic while subscribing/)
  })

  it('names no operation where the request does not tell which one', () => {
    const error = translateKafkaError(refused('TOPIC_AUTHORIZATION_FAILED'), {brokers, action: 'creating orders'})
    assert.equal(error.message, "Kafka denied permission while creating orders (TOPIC_AUTHORIZATION_FAILED): ask your Kafka admin for an ACL on the topic for this client's principal")
  })
})
