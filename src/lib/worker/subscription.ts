import os from 'node:os'

import {type KafkaConnectionConfig} from '../config/index.js'
import {type Subscriber, openSubscriber} from '../kafka/index.js'
import {type WorkerOptions} from './options.js'
import {type TopicRole, startsAtBeginning} from './topic-roles.js'

/** Joins the worker's group on every topic it reads: its queues, their retry topics and delay rungs. */
export function openWorkerSubscriber(
  connection: KafkaConnectionConfig,
  options: Pick<WorkerOptions, 'name' | 'group' | 'fromBeginning' | 'sessionTimeout'>,
  roles: ReadonlyMap<string, TopicRole>,
): Promise<Subscriber> {
  // A named worker's consumer reports the name in its client id: `kq status` and Kafka's own
  // tools (kafka-consumer-groups --describe) show it beside the member.
  const {name} = options
  return openSubscriber(name === undefined ? connection : {...connection, clientId: `${connection.clientId}.${name}`}, {
    groupId: options.group,
    topics: [...roles].map(([topic, role]) => ({
      name: topic,
      start: startsAtBeginning(role, options.fromBeginning) ? 'earliest' : 'latest',
    })),
    sessionTimeoutMs: options.sessionTimeout * 1000,
    // Fetching never waits for jobs, so a member rejoins within a fetch of a rebalance
    // starting, however long its jobs run: this bounds only a slow network or broker.
    rebalanceTimeoutMs: 60_000,
    // A partition resumed (its buffer has room again, or its delayed record is due), and a
    // stop, wait for the fetch under way: 100 ms bounds both, for ten idle requests a second.
    maxWaitMs: 100,
    // Kafka's group data has the member's address, not its process: the worker says which it is.
    process: {host: os.hostname(), pid: process.pid, name: name ?? null},
  })
}
