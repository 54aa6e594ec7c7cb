import {setTimeout as sleep} from 'node:timers/promises'

import kafkajs, {type Admin, type DescribeConfigResponse, type Kafka} from 'kafkajs'

import {type KafkaConnectionConfig} from '../../config/index.js'
import {KafkaRefusedError} from '../../errors.js'
import {memberProcessOf} from './assigner.js'
import {openAdmin} from './client.js'
import {isTopicAuthorizationFailure, isTopicRefusal, isTransientKafkaError, translateKafkaError} from './errors.js'
import {commitGroupStart} from './group-start.js'
import {withOffsetLookup} from './offset-lookup.js'
import {fetchTopicOffsets} from './offsets.js'
import {
  type ClusterInfo,
  type CommittedOffset,
  type GroupDescription,
  type PartitionOffsets,
  type TopicAdmin,
  type TopicDescription,
  type TopicPartition,
  type TopicSpec,
  type TopicsOffsets,
} from '../types.js'

class KafkaTopicAdmin implements TopicAdmin {
  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly brokers: string[],
  ) {}

  async cluster(): Promise<ClusterInfo> {
    const {brokers, clusterId, controller} = await this.call('reading cluster metadata', () =>
      this.admin.describeCluster(),
    )
    return {clusterId, controller, brokers: brokers.map(({nodeId, host, port}) => ({nodeId, host, port}))}
  }

  async listTopics(): Promise<string[]> {
    const names = await this.call('listing topics', () => this.admin.listTopics())
    return names.sort()
  }

  async describeTopics(names: string[]): Promise<Map<string, TopicDescription>> {
    // Only existing topics are asked for: a metadata request for a missing one can make a
    // broker with auto.create.topics.enable create it with default settings.
    const existing = new Set(await this.listTopics())
    const wanted = names.filter((name) => existing.has(name))
    const found = new Map<string, TopicDescription>()
    if (wanted.length === 0) return found
    const {topics} = await this.call('reading topic metadata', () => this.admin.fetchTopicMetadata({topics: wanted}))
    for (const topic of topics) {
      found.set(topic.name, {
        name: topic.name,
        partitions: topic.partitions.length,
        replicationFactor: Math.max(0, ...topic.partitions.map((partition) => partition.replicas.length)),
      })
    }

    return found
  }

  async partitionsWithoutLeader(names: string[]): Promise<Map<string, number[]>> {
    const found = new Map<string, number[]>()
    if (names.length === 0) return found
    const {topics} = await this.call('reading topic metadata', () => this.admin.fetchTopicMetadata({topics: names}))
    for (const {name, partitions} of topics) {
      const down = partitions.filter(({leader}) => leader < 0).map(({partitionId}) => partitionId)
      if (down.length > 0) found.set(name, down.sort((a, b) => a - b))
    }

    return found
  }

  async undescribable(names: string[]): Promise<string[]> {
    // kafkajs fails a whole metadata request on one topic's error: each is asked alone. Its
    // admin asks with allowAutoTopicCreation off, so a missing topic stays missing.
    const refused = await Promise.all(
      names.map(async (name) => {
        try {
          await this.admin.fetchTopicMetadata({topics: [name]})
          return false
        } catch (error) {
          if (isTopicRefusal(error)) return isTopicAuthorizationFailure(error)
          throw translateKafkaError(error, {brokers: this.brokers, action: `reading metadata of ${name}`})
        }
      }),
    )
    return names.filter((_, index) => refused[index])
  }

  async minInsyncReplicas(names: string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>()
    if (names.length === 0) return found
    let resources: DescribeConfigResponse['resources']
    try {
      ;({resources} = await this.admin.describeConfigs({
        includeSynonyms: false,
        resources: names.map((name) => ({type: kafkajs.ConfigResourceTypes.TOPIC, name, configNames: ['min.insync.replicas']})),
      }))
    } catch (error) {
      // A user allowed to write but not to describe settings still gets the rest of the report.
      if (isTopicRefusal(error)) return found
      throw translateKafkaError(error, {brokers: this.brokers, action: 'reading topic settings'})
    }

    for (const resource of resources) {
      const entry = resource.errorCode === 0 ? resource.configEntries.find((each) => each.configName === 'min.insync.replicas') : undefined
      if (entry !== undefined && /^\d+$/.test(entry.configValue)) found.set(resource.resourceName, Number(entry.configValue))
    }

    return found
  }

  async createTopics(specs: TopicSpec[]): Promise<void> {
    if (specs.length === 0) return
    const action = `creating ${specs.map((spec) => spec.name).join(', ')}`
    await this.call(action, () =>
      this.admin.createTopics({
        // kafkajs's own wait gives up when the broker it asks has not yet heard of the new
        // topic, which is common on a KRaft cluster of several brokers: waitForLeaders does it.
        waitForLeaders: false,
        topics: specs.map((spec) => ({
          topic: spec.name,
          numPartitions: spec.partitions,
          replicationFactor: spec.replicationFactor,
          ...(spec.configs && {configEntries: Object.entries(spec.configs).map(([name, value]) => ({name, value}))}),
        })),
      }),
    )
    await this.waitForLeaders(specs, action)
  }

  /** Polls metadata until every partition of every topic has a leader, so the topics are usable. */
  private async waitForLeaders(specs: TopicSpec[], action: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    let lastError: unknown
    while (Date.now() < deadline) {
      try {
        const {topics} = await this.admin.fetchTopicMetadata({topics: specs.map((spec) => spec.name)})
        const ready = specs.every((spec) => {
          const topic = topics.find((each) => each.name === spec.name)
          return topic?.partitions.length === spec.partitions && topic.partitions.every((partition) => partition.leader >= 0)
        })
        if (ready) return
      } catch (error) {
        // Unknown topic or no leader yet: the news has not reached this broker. Ask again.
        lastError = error
      }

      await sleep(100)
    }

    throw lastError ? translateKafkaError(lastError, {brokers: this.brokers, action}) : new KafkaRefusedError(
      `the topics were created but have no leader after ${timeoutMs / 1000}s: check the brokers' health (kq topic:list)`,
    )
  }

  async topicOffsets(name: string): Promise<PartitionOffsets[]> {
    const offsets = await this.call(`reading offsets of ${name}`, () => fetchTopicOffsets(this.admin, name))
    return offsets
      .map(({partition, low, high}) => ({partition, low: Number(low), high: Number(high)}))
      .sort((a, b) => a.partition - b.partition)
  }

  async offsetsOfTopics(names: string[], options: {committedBy?: string[]} = {}): Promise<TopicsOffsets> {
    const groups = options.committedBy ?? []
    if (names.length === 0) return {ends: new Map(), committed: new Map(groups.map((group) => [group, new Map()])), leaderless: new Map()}
    return this.call(`reading offsets of ${describeTopicCount(names)}`, () => withOffsetLookup(this.kafka, names, (lookup) => lookup.read(groups)))
  }

  async startGroupAtBeginning(groupId: string, topics: string[]): Promise<void> {
    if (topics.length === 0) return
    // All settle before a failure is thrown: a request left running after the admin closes
    // reconnects, and keeps the process alive until the broker drops the idle connection.
    const perTopic = await Promise.allSettled(
      topics.map(async (topic) => (await this.topicOffsets(topic)).map(({partition, low}) => ({topic, partition, offset: String(low)}))),
    )
    const failed = perTopic.find((each) => each.status === 'rejected')
    if (failed) throw failed.reason
    const offsets = perTopic.flatMap((each) => (each.status === 'fulfilled' ? each.value : []))
    await commitGroupStart(this.kafka, this.admin, this.brokers, {groupId, topics, offsets})
  }

  async committedOffsets(groupId: string, topic: string): Promise<Array<{partition: number; offset: number}>> {
    const committed = await this.committedOffsetsWithMetadata(groupId, topic)
    return committed.map(({partition, offset}) => ({partition, offset}))
  }

  async committedOffsetsWithMetadata(groupId: string, topic: string): Promise<CommittedOffset[]> {
    return (await this.committedOnTopics(groupId, [topic])).get(topic) ?? []
  }

  async committedOnTopics(groupId: string, names: string[]): Promise<Map<string, CommittedOffset[]>> {
    const topics = await this.call(`reading offsets of group ${groupId}`, () => this.admin.fetchOffsets({groupId, topics: names}))
    return new Map(
      topics.map(({topic, partitions}) => [
        topic,
        partitions
          .map(({partition, offset, metadata}) => ({partition, offset: Number(offset), metadata: metadata ?? null}))
          .sort((a, b) => a.partition - b.partition),
      ]),
    )
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    const {groups} = await this.call(`describing group ${groupId}`, () => this.admin.describeGroups([groupId]))
    const group = groups.find((each) => each.groupId === groupId)
    if (!group) return {groupId, state: 'Dead', members: []}
    return {
      groupId,
      state: group.state,
      members: group.members.map((member) => {
        const process = memberProcessOf(member.memberMetadata)
        return {
          memberId: member.memberId,
          clientId: member.clientId,
          host: member.clientHost,
          assignment: decodeAssignment(member.memberAssignment),
          ...(process && {process}),
        }
      }),
    }
  }

  async close(): Promise<void> {
    await this.admin.disconnect()
  }

  /**
   * Runs an admin request, asking again a few times when Kafka says "not yet": just after a
   * topic is made, leadership news may not have reached every broker, and kafkajs gives up on
   * some requests (ListOffsets) at the first NOT_LEADER_FOR_PARTITION.
   */
  private async call<T>(action: string, request: () => Promise<T>, attempts = 5): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await request()
      } catch (error) {
        if (attempt >= attempts || !isTransientKafkaError(error)) {
          throw translateKafkaError(error, {brokers: this.brokers, action})
        }

        await sleep(100 * 2 ** attempt)
      }
    }
  }
}

/** A topic's name, or how many there are: an error message names one topic, not hundreds. */
function describeTopicCount(names: string[]): string {
  return names.length === 1 ? names[0] : `${names.length} topics`
}

/**
 * The partitions a consumer-protocol member holds. A member that joined but has not yet been
 * given partitions (mid-rebalance), or a group of another protocol, has an empty or foreign
 * assignment: that is no partitions, not an error.
 */
function decodeAssignment(buffer: Buffer): TopicPartition[] {
  if (buffer.length === 0) return []
  try {
    const decoded = kafkajs.AssignerProtocol.MemberAssignment.decode(buffer)
    return Object.entries(decoded?.assignment ?? {})
      .flatMap(([topic, partitions]) => partitions.map((partition) => ({topic, partition})))
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
  } catch {
    return []
  }
}

export async function openTopicAdmin(connection: KafkaConnectionConfig): Promise<TopicAdmin> {
  const {kafka, admin} = await openAdmin(connection)
  return new KafkaTopicAdmin(kafka, admin, connection.brokers)
}
