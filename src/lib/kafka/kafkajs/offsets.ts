import {setTimeout as sleep} from 'node:timers/promises'

import {type Admin} from 'kafkajs'

import {KqError} from '../../errors.js'

type TopicOffsets = Awaited<ReturnType<Admin['fetchTopicOffsets']>>

/**
 * kafkajs's fetchTopicOffsets, asking again when kafkajs lost the topic from its metadata cache.
 * Requests under way at once each replace that cache with the topics they knew of when they
 * began, so a request for a topic just added can find it missing; kafkajs then fails with a
 * TypeError (destructuring an empty answer) instead of asking the broker again. Seen on a fresh
 * three-broker cluster, where slow metadata makes refreshes overlap. A second try triggers a
 * refresh that includes the topic.
 */
/** What a user is told once kafkajs lost a topic's partitions `attempts` times in a row. */
export function lostPartitionsError(topic: string, attempts: number, cause: unknown): KqError {
  return new KqError(
    `the Kafka client lost the partitions of ${topic} from its metadata ${attempts} times in a row: check that every broker lists the topic (kq topic:list), then run the command again`,
    undefined,
    {cause},
  )
}

export async function fetchTopicOffsets(admin: Admin, topic: string, attempts = 5): Promise<TopicOffsets> {
  return askAgainWhenLost(topic, () => admin.fetchTopicOffsets(topic), attempts)
}

/**
 * kafkajs's fetchTopicOffsetsByTimestamp, asked again as fetchTopicOffsets is: it loses a topic
 * from the metadata cache the same way (`kq job:show` reads every queue's topics at once).
 */
export async function fetchTopicOffsetsByTimestamp(
  admin: Admin,
  topic: string,
  timestamp: number,
  attempts = 5,
): Promise<Array<{partition: number; offset: string}>> {
  return askAgainWhenLost(topic, () => admin.fetchTopicOffsetsByTimestamp(topic, timestamp), attempts)
}

async function askAgainWhenLost<T>(topic: string, request: () => Promise<T>, attempts: number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request()
    } catch (error) {
      if (!(error instanceof TypeError)) throw error
      if (attempt >= attempts) {
        throw lostPartitionsError(topic, attempts, error)
      }

      await sleep(100 * attempt)
    }
  }
}
