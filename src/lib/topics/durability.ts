import {minInsyncReplicasFor} from '../config/index.js'
import {type TopicAdmin} from '../kafka/index.js'

/** What decides whether a write to a topic survives a broker's loss. */
export interface TopicDurability {
  name: string
  replicationFactor: number
  /** In force on the topic; null when the broker would not say. */
  minInsyncReplicas: number | null
}

/** The topic-level settings that make acks=all mean what kq promises; none for a topic left to the brokers' default. */
export function durabilityConfigs(wanted: {replicationFactor: number; minInsyncReplicas?: number}): {configs?: Record<string, string>} {
  const minInsync = minInsyncReplicasFor(wanted.replicationFactor, wanted.minInsyncReplicas)
  return minInsync === undefined ? {} : {configs: {'min.insync.replicas': String(minInsync)}}
}

/**
 * A line for a topic whose acknowledged writes may rest on fewer copies than kq asks for its
 * replication (KAFKA_MIN_INSYNC_REPLICAS, else 2 from 3 replicas up); undefined when it is fine
 * or its setting is unknown.
 */
export function durabilityWarning(topic: TopicDurability, setting?: number): string | undefined {
  const wanted = minInsyncReplicasFor(topic.replicationFactor, setting)
  if (wanted === undefined || topic.minInsyncReplicas === null || topic.minInsyncReplicas >= wanted) return undefined
  return (
    `topic ${topic.name} has ${topic.replicationFactor} replicas but min.insync.replicas=${topic.minInsyncReplicas}, so an acknowledged job may exist on ` +
    `${topic.minInsyncReplicas === 1 ? 'one broker' : `${topic.minInsyncReplicas} brokers`} only: set it to ${wanted} ` +
    `(kafka-configs.sh --alter --entity-type topics --entity-name ${topic.name} --add-config min.insync.replicas=${wanted})`
  )
}

/** Replication and min.insync.replicas of the given topics that exist, in the order given. */
export async function readDurability(admin: TopicAdmin, names: string[]): Promise<TopicDurability[]> {
  const described = await admin.describeTopics(names)
  const minInsync = await admin.minInsyncReplicas([...described.keys()])
  return names.flatMap((name) => {
    const topic = described.get(name)
    return topic ? [{name, replicationFactor: topic.replicationFactor, minInsyncReplicas: minInsync.get(name) ?? null}] : []
  })
}
