import {kafkajsAdapter} from '../../../../src/lib/kafka/kafkajs/index.js'
import {describeAdapterContract} from '../adapter-contract.js'

describeAdapterContract('kafkajs', kafkajsAdapter)
