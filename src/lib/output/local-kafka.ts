import path from 'node:path'

import {variableDefault} from '../config/variables.js'
import {type LocalKafkaStatus, type UpResult} from '../local-kafka/index.js'
import {stylesFor} from './styles.js'
import {renderTable} from './table.js'

/** Where kq looks for Kafka when KAFKA_BROKERS is not set. */
const DEFAULT_BROKERS = variableDefault('KAFKA_BROKERS')

function relative(file: string): string {
  const shown = path.relative(process.cwd(), file)
  return shown.startsWith('..') ? file : shown
}

/** KAFKA_BROKERS as kq reads it (flag, environment or env file), with where it was read. */
export interface BrokersSetting {
  raw: string
  label: string
}

/** The human view of `kafka:up` and `kafka:status`. */
export function renderLocalKafka(status: LocalKafkaStatus | UpResult, brokers?: BrokersSetting): string {
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
  const hint = status.health === 'stopped' || status.bootstrap === undefined ? undefined : brokersHint(status.bootstrap, brokers)
  if (hint !== undefined) lines.push(hint)

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

/**
 * Whether kq's KAFKA_BROKERS already reaches this cluster, and if not, the line that makes it:
 * the export alone, when .env already said it, was one more thing to wonder about.
 */
function brokersHint(bootstrap: string, brokers: BrokersSetting | undefined): string | undefined {
  const here = new Set(bootstrap.split(','))
  if (brokers === undefined) return bootstrap === DEFAULT_BROKERS ? undefined : `Point kq at it with: export KAFKA_BROKERS=${bootstrap}`
  const named = brokers.raw.split(',').map((each) => each.trim().replace(/^localhost:/, '127.0.0.1:'))
  if (named.some((each) => here.has(each))) return `${brokers.label} already points at it.`
  return `${brokers.label} points at ${brokers.raw}, not here: point kq at it with export KAFKA_BROKERS=${bootstrap}`
}
