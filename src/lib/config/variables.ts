/**
 * Every setting kq reads from .env or the environment. `.env.example` documents each one (a test
 * holds them in step), and the README's configuration table is written from the same text.
 */
export interface VariableDoc {
  name: string
  /** The value used when the variable is unset, as the user would write it. */
  default?: string
  description: string
  /** A password, passphrase or key: `kq config` masks it, and no message repeats it. */
  secret?: true
}

export const VARIABLES = [
  {
    name: 'KAFKA_BROKERS',
    default: '127.0.0.1:9092',
    description: 'Comma-separated host:port list of the brokers to bootstrap from.',
  },
  {name: 'KAFKA_CLIENT_ID', default: 'kq', description: 'Client id kq reports to Kafka (quotas, logs, ACLs).'},
  {name: 'KAFKA_QUEUE', default: 'default', description: 'The default queue: used when a command names none.'},
  {
    name: 'KAFKA_TOPIC',
    description: "Topic of the default queue. Unset: the queue's name. Other queues always use their own name.",
  },
  {name: 'KAFKA_PARTITIONS', default: '1', description: 'Partitions of the topics `kq topic:create` makes.'},
  {
    name: 'KAFKA_REPLICATION_FACTOR',
    default: '1',
    description: 'Replicas of each partition; at most the number of brokers.',
  },
  {
    name: 'KAFKA_MIN_INSYNC_REPLICAS',
    description:
      'min.insync.replicas of the topics kq creates: copies a write needs before it counts. Unset: 2 when replicated 3 times or more, 1 for one replica, else the brokers\' default.',
  },
  {name: 'KAFKA_CONSUMER_GROUP', default: 'kq-workers', description: 'Consumer group the workers join.'},
  {name: 'KQ_JOBS_DIR', default: 'src/jobs', description: 'Folder of job classes, one per file, named after the class.'},
  {
    name: 'KQ_MAX_MESSAGE_BYTES',
    default: '1000000',
    description: "Largest encoded job kq sends; keep it under the brokers' message.max.bytes.",
  },
  {
    name: 'KQ_CONTROL_TOPIC',
    default: 'kq-control',
    description: 'Compacted topic that carries `kq restart`, `kq pause` and `kq continue` to every worker.',
  },
  {
    name: 'KQ_BATCH_TOPIC',
    default: 'kq-batches',
    description: 'Topic of batch progress: each batch\'s total and each of its jobs\' end, read by `kq batch:show` and by the worker that ends a batch.',
  },
  {
    name: 'KQ_METRICS_PORT',
    description: "Port of each worker's Prometheus endpoint, /metrics (`kq work --metrics-port`). Unset: none.",
  },
  {
    name: 'KQ_METRICS_PORT_OFFSET',
    default: '0',
    description: "Added to the metrics port: set per process by make:supervisor's files (Supervisor's process number, systemd's instance), so that each process has its own.",
  },
  {
    name: 'KQ_METRICS_HOST',
    default: '127.0.0.1',
    description: 'Address the metrics endpoint listens on; 0.0.0.0 lets a Prometheus on another host scrape it.',
  },
  {
    name: 'KAFKA_CONNECT_TIMEOUT',
    default: '10',
    description: 'Seconds to wait for a broker before a command gives up and says so.',
  },
  {
    name: 'KAFKA_SEND_TIMEOUT',
    default: '30',
    description:
      'Seconds dispatch, dlt:replay, restart, pause and continue wait for Kafka to acknowledge a write before they fail and say so (workers use --broker-timeout).',
  },
  {name: 'KAFKA_SSL', default: 'false', description: 'Connect with TLS (true/false).'},
  {
    name: 'KAFKA_SSL_CA_FILE',
    description: "PEM file of the CA certificates to trust instead of Node's own (a private CA). Needs KAFKA_SSL=true.",
  },
  {
    name: 'KAFKA_SSL_CERT_FILE',
    description: 'PEM client certificate, for brokers that require one (mutual TLS). Needs KAFKA_SSL_KEY_FILE.',
  },
  {name: 'KAFKA_SSL_KEY_FILE', description: "PEM private key of the client certificate."},
  {name: 'KAFKA_SSL_KEY_PASSPHRASE', secret: true, description: 'Passphrase of an encrypted KAFKA_SSL_KEY_FILE.'},
  {
    name: 'KAFKA_SSL_REJECT_UNAUTHORIZED',
    default: 'true',
    description: "Refuse a broker whose certificate is not signed by a trusted CA or does not name its host; false only for tests.",
  },
  {
    name: 'KAFKA_SASL_MECHANISM',
    description: 'SASL authentication: plain, scram-sha-256 or scram-sha-512. Unset: no SASL.',
  },
  {name: 'KAFKA_SASL_USERNAME', description: 'SASL user name (required with KAFKA_SASL_MECHANISM).'},
  {name: 'KAFKA_SASL_PASSWORD', secret: true, description: 'SASL password (required with KAFKA_SASL_MECHANISM).'},
  {
    name: 'KQ_ENCRYPTION_KEY',
    secret: true,
    description:
      'Key of encrypted job payloads (job classes with `encrypted = true`): 32 random bytes in base64, `openssl rand -base64 32`. The same for dispatchers and workers.',
  },
  {
    name: 'KQ_ENCRYPTION_OLD_KEYS',
    secret: true,
    description: 'Former keys, comma-separated: workers still decrypt jobs encrypted with them, nothing new is. For rotating the key.',
  },
] as const satisfies readonly VariableDoc[]

export type VariableName = (typeof VARIABLES)[number]['name']

const DEFAULTS: ReadonlyMap<string, string | undefined> = new Map(VARIABLES.map((variable: VariableDoc) => [variable.name, variable.default]))

/** The value a variable has when unset, as written in VARIABLES; undefined: none. */
export function variableDefault(name: VariableName): string | undefined {
  return DEFAULTS.get(name)
}
