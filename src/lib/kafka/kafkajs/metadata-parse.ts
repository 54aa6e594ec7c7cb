// kafkajs's own module, not its public API: the one place a Metadata response is judged.
import metadataV0 from 'kafkajs/src/protocol/requests/metadata/v0/response.js'

/**
 * Partition errors of a Metadata response that mean "no leader now" (LEADER_NOT_AVAILABLE) or "a
 * replica is down" (REPLICA_NOT_AVAILABLE): the state of one partition, not a refusal of the request.
 */
const LEADERLESS_ERRORS = new Set([5, 9])

/** The fields of a Metadata response that its parse looks at. */
export interface MetadataResponse {
  topicMetadata: Array<{topicErrorCode: number; partitionMetadata: Array<{partitionErrorCode: number}>}>
}

/**
 * kafkajs's parse of a Metadata response, without its refusal of the whole response when one
 * partition of any topic has no leader. kafkajs throws the first partition error it finds, so a
 * client asking for the metadata of every topic (to list them, to describe the cluster, to start
 * a producer) failed while one partition anywhere had lost its only broker: a stray topic of one
 * replica on a dead node stopped every new kq command. Kafka's own clients take such a partition
 * as leaderless (leader -1) and carry on, and so does kafkajs then: a send to it is tried again
 * until a leader is back. A topic's own error, and any other partition error, still throw as
 * kafkajs throws them.
 */
export function leaderlessTolerantParse<T extends MetadataResponse>(kafkajsParse: (data: T) => Promise<T>): (data: T) => Promise<T> {
  return async (data) => {
    const onlyLeaderless = data.topicMetadata.every(
      (topic) => topic.topicErrorCode === 0 && topic.partitionMetadata.every(({partitionErrorCode}) => partitionErrorCode === 0 || LEADERLESS_ERRORS.has(partitionErrorCode)),
    )
    return onlyLeaderless ? data : kafkajsParse(data)
  }
}

let tolerating = false

/**
 * Makes kafkajs parse every Metadata response with leaderlessTolerantParse. Each later version of
 * the response takes version 0's parse when it is first loaded, on a client's first request: this
 * runs before any, when a client is made (client.ts).
 */
export function tolerateLeaderlessPartitions(): void {
  if (tolerating) return
  tolerating = true
  metadataV0.parse = leaderlessTolerantParse(metadataV0.parse)
}
