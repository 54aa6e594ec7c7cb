import {strict as assert} from 'node:assert'

import {clusterLayout} from '../../../src/lib/local-kafka/layout.js'
import {serverProperties} from '../../../src/lib/local-kafka/server-properties.js'

function parseProperties(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => line.split('=', 2) as [string, string]),
  )
}

describe('local Kafka layout', () => {
  it('gives one node the familiar 9092 client and 9093 controller ports', () => {
    const layout = clusterLayout('/tmp/k', 1, 9092)
    assert.equal(layout.bootstrap, '127.0.0.1:9092')
    assert.deepEqual(
      layout.nodes.map((node) => [node.id, node.clientPort, node.controllerPort]),
      [[1, 9092, 9093]],
    )
    assert.equal(layout.nodes[0].dataDir, '/tmp/k/node-1/data')
  })

  it('gives three nodes consecutive client ports, then their controller ports', () => {
    const layout = clusterLayout('/tmp/k', 3, 19092)
    assert.equal(layout.bootstrap, '127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094')
    assert.deepEqual(
      layout.nodes.map((node) => node.controllerPort),
      [19095, 19096, 19097],
    )
  })
})

describe('server.properties', () => {
  it('makes a single node broker and controller with internal topics it can host', () => {
    const layout = clusterLayout('/tmp/k', 1, 9092)
    const properties = parseProperties(serverProperties(layout, layout.nodes[0]))
    assert.equal(properties.get('process.roles'), 'broker,controller')
    assert.equal(properties.get('controller.quorum.voters'), '1@127.0.0.1:9093')
    assert.equal(properties.get('advertised.listeners'), 'PLAINTEXT://127.0.0.1:9092')
    assert.equal(properties.get('offsets.topic.replication.factor'), '1')
    assert.equal(properties.get('transaction.state.log.min.isr'), '1')
    assert.equal(properties.get('group.initial.rebalance.delay.ms'), '0')
    assert.equal(properties.get('log.dirs'), '/tmp/k/node-1/data')
  })

  it('lists every node as a voter and replicates internal topics three times in a 3-node cluster', () => {
    const layout = clusterLayout('/tmp/k', 3, 9092)
    const properties = parseProperties(serverProperties(layout, layout.nodes[1]))
    assert.equal(properties.get('node.id'), '2')
    assert.equal(properties.get('controller.quorum.voters'), '1@127.0.0.1:9095,2@127.0.0.1:9096,3@127.0.0.1:9097')
    assert.equal(properties.get('listeners'), 'PLAINTEXT://127.0.0.1:9093,CONTROLLER://127.0.0.1:9096')
    assert.equal(properties.get('offsets.topic.replication.factor'), '3')
    assert.equal(properties.get('min.insync.replicas'), '2')
  })
})
