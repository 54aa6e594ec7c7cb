export {
  DEFAULT_KAFKA_VERSION,
  type ClusterHealth,
  type DownResult,
  type LocalKafkaOptions,
  type LocalKafkaStatus,
  type NodeStatus,
  type UpResult,
  localKafkaStatus,
  startLocalKafka,
  stopLocalKafka,
} from './cluster.js'
export {type LocalTls, type LocalTlsFiles} from './certificates.js'
export {ADMIN_USER, type LocalSecurity, parseSaslUser} from './security.js'
