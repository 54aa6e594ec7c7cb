import {type KafkaConnectionConfig} from '../config/index.js'
import {type AclAdmin} from './ports/acl-admin.js'
import {type Publisher, type PublisherOptions} from './ports/publisher.js'
import {type Subscriber, type SubscriberOptions} from './ports/subscriber.js'
import {type TopicAdmin} from './ports/topic-admin.js'
import {type TopicReader} from './ports/topic-reader.js'

/**
 * The small surfaces the rest of kq uses; only src/lib/kafka knows they are backed by kafkajs.
 * Each port has its own file under ports/; this one gathers them, so that kq imports one place.
 */

export type * from './ports/acl-admin.js'
export type * from './ports/publisher.js'
export type * from './ports/records.js'
export type * from './ports/subscriber.js'
export type * from './ports/topic-admin.js'
export type * from './ports/topic-reader.js'

/**
 * A Kafka client behind kq's port. kq ships one, on kafkajs; another client (librdkafka's
 * bindings, @platformatic/kafka) becomes an adapter by implementing these and passing the
 * contract tests in test/lib/kafka/.
 */
export interface KafkaAdapter {
  openPublisher(connection: KafkaConnectionConfig, options?: PublisherOptions): Promise<Publisher>
  openSubscriber(connection: KafkaConnectionConfig, options: SubscriberOptions): Promise<Subscriber>
  openTopicAdmin(connection: KafkaConnectionConfig): Promise<TopicAdmin>
  openTopicReader(connection: KafkaConnectionConfig): Promise<TopicReader>
  openAclAdmin(connection: KafkaConnectionConfig): Promise<AclAdmin>
}
