import {type ClusterLayout, LOOPBACK, type NodeLayout} from './layout.js'
import {type LocalTls, tlsProperties} from './certificates.js'
import {type LocalSecurity, securityProperties} from './security.js'

/**
 * The server.properties of one KRaft node that is both broker and controller. Static quorum
 * voters let one `format` command work on Kafka 3.9 and 4.x alike. Internal topics get the
 * cluster's full replication (at most 3), as a production cluster would have them.
 */
export function serverProperties(cluster: ClusterLayout, node: NodeLayout, security?: LocalSecurity, tls?: LocalTls): string {
  const size = cluster.nodes.length
  // PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL; brokers talk to each other on this listener too.
  const client = `${security ? 'SASL_' : ''}${tls ? 'SSL' : 'PLAINTEXT'}`
  const internalReplication = Math.min(size, 3)
  const voters = cluster.nodes.map((each) => `${each.id}@${LOOPBACK}:${each.controllerPort}`).join(',')
  const settings: Array<[string, string | number]> = [
    ['process.roles', 'broker,controller'],
    ['node.id', node.id],
    ['controller.quorum.voters', voters],
    ['listeners', `${client}://${LOOPBACK}:${node.clientPort},CONTROLLER://${LOOPBACK}:${node.controllerPort}`],
    ['advertised.listeners', `${client}://${LOOPBACK}:${node.clientPort}`],
    ['inter.broker.listener.name', client],
    ['controller.listener.names', 'CONTROLLER'],
    ['listener.security.protocol.map', `CONTROLLER:PLAINTEXT,${client}:${client}`],
    ['log.dirs', node.dataDir],
    ['num.partitions', 1],
    ['default.replication.factor', internalReplication],
    ['min.insync.replicas', Math.max(1, internalReplication - 1)],
    ['offsets.topic.replication.factor', internalReplication],
    ['offsets.topic.num.partitions', 1],
    ['transaction.state.log.replication.factor', internalReplication],
    ['transaction.state.log.min.isr', Math.max(1, internalReplication - 1)],
    ['share.coordinator.state.topic.replication.factor', internalReplication],
    ['share.coordinator.state.topic.min.isr', Math.max(1, internalReplication - 1)],
    // A worker joining an empty group should get its partitions at once, not after 3 s.
    ['group.initial.rebalance.delay.ms', 0],
    ...(security ? securityProperties(security, client) : []),
    ...(tls ? tlsProperties(cluster.dir, tls, client) : []),
  ]
  const lines = settings.map(([key, value]) => `${key}=${value}`)
  return `# Written by kq kafka:up; rewritten at every start.\n${lines.join('\n')}\n`
}
