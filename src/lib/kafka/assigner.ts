import kafkajs, {type Cluster, type PartitionAssigner} from 'kafkajs'

import {isTopicRefusal} from './errors.js'

const {AssignerProtocol} = kafkajs

/** One member of a consumer group and the topics it subscribed to. */
export interface MemberSubscription {
  memberId: string
  topics: string[]
}

/** Partition numbers by topic: what a topic has, or what a member was given. */
export type PartitionsByTopic = Record<string, number[]>

/**
 * Deals out the partitions of a group's topics, each only to members that subscribed to it.
 * Every partition goes to the eligible member with the fewest partitions so far, the first by
 * member id on a tie, so members of one subscription share its topics evenly.
 *
 * Topics with the same subscribers (in kq, one queue's topic and its retry topic) are dealt out
 * together: partition p of each goes to the same member. Sets with fewer subscribers are dealt
 * first, so a member that also works a queue nobody else does takes less of a shared one.
 *
 * @returns the partitions of every member, by member id; a member may get none
 */
export function assignBySubscription(members: MemberSubscription[], partitions: PartitionsByTopic): Map<string, PartitionsByTopic> {
  const ids = members.map(({memberId}) => memberId).sort()
  const subscribed = new Map(members.map(({memberId, topics}) => [memberId, new Set(topics)]))
  const assignment = new Map(ids.map((id) => [id, {} as PartitionsByTopic]))
  const load = new Map(ids.map((id) => [id, 0]))

  const sets = new Map<string, {members: string[]; topics: string[]}>()
  for (const topic of Object.keys(partitions).sort()) {
    const eligible = ids.filter((id) => subscribed.get(id)?.has(topic))
    if (eligible.length === 0) continue
    const key = JSON.stringify(eligible)
    const set = sets.get(key) ?? {members: eligible, topics: []}
    set.topics.push(topic)
    sets.set(key, set)
  }

  const ordered = [...sets.values()].sort((a, b) => a.members.length - b.members.length)
  for (const {members: eligible, topics} of ordered) {
    const numbers = [...new Set(topics.flatMap((topic) => partitions[topic]))].sort((a, b) => a - b)
    for (const partition of numbers) {
      const owner = eligible.reduce((best, id) => ((load.get(id) as number) < (load.get(best) as number) ? id : best))
      const given = assignment.get(owner) as PartitionsByTopic
      for (const topic of topics.filter((each) => partitions[each].includes(partition))) {
        given[topic] = [...(given[topic] ?? []), partition]
        load.set(owner, (load.get(owner) as number) + 1)
      }
    }
  }

  return assignment
}

/**
 * The partition numbers of each topic. The group's leader tracks the metadata of its own topics
 * only, so the others are added to what it tracks, as Java's consumer does for its leader. A
 * topic Kafka will not describe (deleted, or not allowed) gets no partitions rather than failing
 * the whole group's join; any other failure does fail it, and kafkajs joins again.
 */
async function partitionsOf(cluster: Cluster, topics: string[]): Promise<PartitionsByTopic> {
  try {
    await cluster.addMultipleTargetTopics(topics)
  } catch (error) {
    if (!isTopicRefusal(error)) throw error
    for (const topic of topics) {
      await cluster.addMultipleTargetTopics([topic]).catch((error_: unknown) => {
        if (!isTopicRefusal(error_)) throw error_
      })
    }
  }

  return Object.fromEntries(topics.map((topic) => [topic, cluster.findTopicPartitionMetadata(topic).map((each) => each.partitionId)]))
}

/**
 * kafkajs's round-robin assigner deals out the leader's own topics to every member, whatever
 * each subscribed to: with workers of two queues in one group, one queue's partitions go to the
 * other queue's worker, which never reads them. This one honours each member's subscription.
 * Its assignments are encoded as every consumer's are, so tools that read a group still can.
 */
export const subscribedAssigner: PartitionAssigner = ({cluster}) => ({
  name: 'kq-subscribed',
  version: 0,

  async assign({members}) {
    const subscriptions = members.map(({memberId, memberMetadata}) => ({
      memberId,
      topics: AssignerProtocol.MemberMetadata.decode(memberMetadata)?.topics ?? [],
    }))
    const topics = [...new Set(subscriptions.flatMap((each) => each.topics))]
    const assignment = assignBySubscription(subscriptions, await partitionsOf(cluster, topics))
    return [...assignment].map(([memberId, partitions]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({version: 0, assignment: partitions, userData: Buffer.alloc(0)}),
    }))
  },

  protocol({topics}) {
    return {
      name: 'kq-subscribed',
      metadata: AssignerProtocol.MemberMetadata.encode({version: 0, topics, userData: Buffer.alloc(0)}),
    }
  },
})

/**
 * The assigners a kq consumer offers its group, preferred first. Round-robin stays second: a
 * group that mixes these workers with older ones (which offer only round-robin) still agrees.
 */
export const partitionAssigners: PartitionAssigner[] = [subscribedAssigner, kafkajs.PartitionAssigners.roundRobin]
