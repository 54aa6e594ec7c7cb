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
  DelayTopicNotFoundError,
  ExitCode,
  KafkaRefusedError,
  KqError,
  LocalKafkaError,
  TopicNotFoundError,
  UsageError,
} from './lib/errors.js'
export {
  type DispatchOptions,
  type DispatchReceipt,
  Dispatcher,
  closeDispatch,
  configureDispatch,
} from './lib/dispatch/index.js'
export {MAX_DELAY_MS, NOT_BEFORE_HEADER} from './lib/delay/ladder.js'
export {DelayError} from './lib/delay/parse.js'
export {
  DEFAULT_MAX_MESSAGE_BYTES,
  EnvelopeError,
  HEADERS,
  type JobEnvelope,
  createEnvelope,
  decodeEnvelope,
  encodeEnvelope,
  newJobId,
} from './lib/envelope/index.js'
export {FatalJobError, Job, type JobClass, type JobContext, type JobMiddleware, type MiddlewareContext} from './lib/jobs/job.js'
export {Chain, chain} from './lib/jobs/chain.js'
export {Batch, batch} from './lib/jobs/batch.js'
export {type BatchResult} from './lib/batch/records.js'
export {type BatchReceipt} from './lib/dispatch/batch.js'
export {type ChainFailure} from './lib/worker/chain.js'
export {type KeyOf, type RateLimit, rateLimited, throttlesExceptions, withoutOverlapping} from './lib/jobs/built-in-middleware.js'
export {type StandardIssue, type StandardResult, type StandardSchemaV1} from './lib/schema/standard.js'
export {PayloadInvalidError} from './lib/schema/validate.js'
export {JobLoadError, JobRegistry, UnknownJobError} from './lib/jobs/registry.js'
export {type TopicAdmin, openTopicAdmin, withTopicAdmin} from './lib/kafka/index.js'
export {type LocalKafkaOptions, type LocalKafkaStatus} from './lib/local-kafka/index.js'
export {localKafkaStatus, startLocalKafka, stopLocalKafka} from './lib/local-kafka/on-demand.js'
export {type TopicPlanRow, queueTopicSpecs} from './lib/topics/plan.js'
export {TopicMismatchError, provisionTopics} from './lib/topics/provision.js'
export {type WorkerEvents, type WorkerSummary} from './lib/worker/events.js'
export {type WorkerOptions} from './lib/worker/options.js'
export {Worker} from './lib/worker/worker.js'
export {DeadLetterStore} from './lib/dead-letter/store.js'
export {StatusMonitor, readStatus} from './lib/monitoring/index.js'
