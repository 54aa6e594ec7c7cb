import {type KafkaAdapter} from '../types.js'
import {openAclAdmin} from './acl-admin.js'
import {openPublisher} from './publisher.js'
import {openTopicReader} from './reader.js'
import {openSubscriber} from './subscriber.js'
import {openTopicAdmin} from './topic-admin.js'

/** kq's port on kafkajs. */
export const kafkajsAdapter: KafkaAdapter = {openAclAdmin, openPublisher, openSubscriber, openTopicAdmin, openTopicReader}
