/**
 * kq as a library: what applications import to configure kq and talk to its queues.
 * The CLI commands are thin wrappers over these modules.
 */
export {
  type KafkaConnectionConfig,
  type KqConfig,
  type LoadConfigOptions,
  type QueueTopics,
  loadConfig,
  topicsForQueue,
  topicsForTopic,
} from './lib/config/index.js'
export {
  BrokerUnreachableError,
  ConfigError,
  ExitCode,
  KafkaRefusedError,
  KqError,
  LocalKafkaError,
  UsageError,
} from './lib/errors.js'
export {type TopicAdmin, openTopicAdmin, withTopicAdmin} from './lib/kafka/index.js'
export {
  type LocalKafkaOptions,
  type LocalKafkaStatus,
  localKafkaStatus,
  startLocalKafka,
  stopLocalKafka,
} from './lib/local-kafka/index.js'
export {type TopicPlanRow, queueTopicSpecs} from './lib/topics/plan.js'
export {TopicMismatchError, provisionTopics} from './lib/topics/provision.js'
