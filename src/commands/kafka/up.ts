import {Flags} from '@oclif/core'

import {KqCommand} from '../../base-command.js'
import {SASL_MECHANISMS, type SaslMechanism} from '../../lib/config/index.js'
import {DEFAULT_KAFKA_VERSION, type UpResult, parseSaslUser, startLocalKafka} from '../../lib/local-kafka/index.js'
import {renderLocalKafka} from '../../lib/output/local-kafka.js'
import {givenSetting} from '../../shared/config-flags.js'
import {localKafkaDirFlag, withDefaultValue} from '../../shared/flags.js'

export default class KafkaUp extends KqCommand {
  static override summary = 'Start a local Apache Kafka (KRaft) from Maven Central jars.'
  static override description =
    'Needs Java 17+ and, on the first start of a Kafka version, Maven. Returns once the cluster answers. ' +
    'Running it again reports the cluster that is already up. The client port defaults to the port of a ' +
    '127.0.0.1 address in KAFKA_BROKERS, else 9092.'

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --nodes 3',
    '<%= config.bin %> <%= command.id %> --kafka-version 3.9.2 --port 19092',
    '<%= config.bin %> <%= command.id %> --sasl --sasl-user app:app-secret --dir .kq/secure-kafka --port 29092',
    '<%= config.bin %> <%= command.id %> --sasl scram-sha-512 --sasl-user app:app-secret --dir .kq/scram-kafka --port 39092',
    '<%= config.bin %> <%= command.id %> --tls --mtls --dir .kq/tls-kafka --port 49092',
  ]

  static override flags = {
    nodes: Flags.integer({description: 'Number of nodes (each broker and controller). Default: 1.', min: 1, max: 9}),
    port: Flags.integer({description: 'Client port of the first node; node n uses port+n-1. Default: 9092.', min: 1, max: 65_000}),
    'kafka-version': Flags.string({description: `Apache Kafka release to run. Default: ${DEFAULT_KAFKA_VERSION}.`}),
    dir: localKafkaDirFlag,
    'cache-dir': Flags.string({description: 'Folder for the downloaded broker jars.', default: '.kq/cache'}),
    timeout: Flags.integer({description: 'Seconds to wait for the cluster to answer.', default: 120, min: 1}),
    heap: Flags.integer({description: 'JVM heap of each node, in MB.', default: 512, min: 128}),
    sasl: Flags.string({
      description:
        'Require SASL logins and ACLs, as a production cluster: plain (what --sasl alone means), scram-sha-256 ' +
        'or scram-sha-512. Prints the admin user’s password.',
      options: [...SASL_MECHANISMS],
    }),
    tls: Flags.boolean({
      description: 'Speak TLS on the client port, with a CA and certificates made for this cluster (needs openssl): prints the .env lines to use them.',
    }),
    mtls: Flags.boolean({
      description: 'With --tls: require a client certificate signed by the cluster’s CA (one is made for you).',
      dependsOn: ['tls'],
    }),
    'sasl-user': Flags.string({
      description: 'With --sasl: another user, name:password, with no rights until an ACL grants them (repeatable).',
      multiple: true,
      dependsOn: ['sasl'],
    }),
  }

  async run(): Promise<UpResult> {
    const {flags} = await this.parse(KafkaUp, withDefaultValue(this.argv, '--sasl', 'plain'))
    const result = await startLocalKafka({
      dir: flags.dir,
      cacheDir: flags['cache-dir'],
      kafkaVersion: flags['kafka-version'],
      nodes: flags.nodes,
      port: flags.port,
      defaultPort: this.portFromConfig(flags),
      startTimeoutMs: flags.timeout * 1000,
      heapMb: flags.heap,
      ...(flags.sasl && {
        sasl: {
          mechanism: flags.sasl as SaslMechanism,
          users: (flags['sasl-user'] ?? []).map((user) => parseSaslUser(user)),
        },
      }),
      ...(flags.tls && {tls: {mtls: flags.mtls}}),
      onProgress: (message) => this.progress(message),
    })
    this.log(renderLocalKafka(result, givenSetting(flags, 'KAFKA_BROKERS')))
    return result
  }

  /** A loopback address in KAFKA_BROKERS says which port the user's apps expect. */
  private portFromConfig(flags: Record<string, unknown>): number | undefined {
    const loopback = this.loadConfig(flags).kafka.brokers.find((broker) => /^(127\.0\.0\.1|localhost):/.test(broker))
    return loopback ? Number(loopback.split(':')[1]) : undefined
  }
}
