import path from 'node:path'

import {type LocalKafkaStatus, type UpResult} from '../local-kafka/index.js'
import {stylesFor} from './styles.js'
import {renderTable} from './table.js'

function relative(file: string): string {
  const shown = path.relative(process.cwd(), file)
  return shown.startsWith('..') ? file : shown
}

/** The human view of `kafka:up` and `kafka:status`. */
export function renderLocalKafka(status: LocalKafkaStatus | UpResult): string {
  const styles = stylesFor()
  if (status.health === 'absent') return `No local Kafka in ${relative(status.dir)}: start one with \`kq kafka:up\`.`
  const size = status.nodes.length === 1 ? '1 node' : `${status.nodes.length} nodes`
  const headline = {
    running: styles.green(
      'alreadyRunning' in status && status.alreadyRunning
        ? `Kafka ${status.kafkaVersion} is already running at ${status.bootstrap}`
        : `Kafka ${status.kafkaVersion} is running at ${status.bootstrap}`,
    ),
    stopped: styles.yellow(`Kafka ${status.kafkaVersion} is stopped: start it with \`kq kafka:up\``),
    degraded: styles.red(`Kafka ${status.kafkaVersion} is not healthy`),
  }[status.health]
  const lines = [`${headline} (${size}, data in ${relative(status.dir)})`]
  if (status.health !== 'stopped' && status.bootstrap !== '127.0.0.1:9092') {
    lines.push(`Point kq at it with: export KAFKA_BROKERS=${status.bootstrap}`)
  }

  if (status.security) {
    const {admin, users, mechanism = 'plain'} = status.security
    lines.push(
      `SASL/${mechanism.toUpperCase()} and ACLs are on. As the admin: export KAFKA_SASL_MECHANISM=${mechanism} KAFKA_SASL_USERNAME=${admin.name} KAFKA_SASL_PASSWORD=${admin.password}`,
    )
    if (users.length > 0) lines.push(`Users with no rights until granted: ${users.map((user) => user.name).join(', ')}`)
  }

  if (status.tls) {
    const {caFile, certFile, keyFile, mtls} = status.tls
    const client = `KAFKA_SSL_CERT_FILE=${relative(certFile)} KAFKA_SSL_KEY_FILE=${relative(keyFile)}`
    lines.push(
      `${mtls ? 'TLS with client certificates' : 'TLS'} on the client port. Connect with: export KAFKA_SSL=true KAFKA_SSL_CA_FILE=${relative(caFile)}${mtls ? ` ${client}` : ''}`,
    )
  }

  if (status.nodes.length > 1 || status.health === 'degraded') {
    lines.push(
      renderTable(
        ['Node', 'Address', 'PID', 'State', 'Log'],
        status.nodes.map((node) => [
          node.id,
          node.address,
          node.pid,
          node.running ? 'running' : 'stopped',
          relative(node.logFile),
        ]),
      ),
    )
  }

  return lines.join('\n')
}
