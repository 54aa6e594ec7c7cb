import kafkajs, {type Cluster, type PartitionAssigner} from 'kafkajs'

import {isTopicRefusal} from './errors.js'

const {AssignerProtocol} = kafkajs

/** One member of a consumer group, the topics it subscribed to, and the partitions it holds. */
export interface MemberSubscription {
  memberId: string
  topics: string[]
  /** What the member was given at the last rebalance, by topic: it keeps what it fairly can. */
  owned?: PartitionsByTopic
}

/** Partition numbers by topic: what a topic has, or what a member was given. */
export type PartitionsByTopic = Record<string, number[]>

/**
 * Deals out the partitions of a group's topics, each only to members that subscribed to it.
 * Every partition goes to the eligible member with the fewest partitions so far, the first by
 * member id on a tie, so members of one subscription share its topics evenly.
 *
 * Topics with the same subscribers (in kq, one queue's topic, its retry and delay topics) are
 * dealt out together: partition p of each goes to the same member. Sets with fewer subscribers
 * are dealt first, so a member that also works a queue nobody else does takes less of a shared one.
 *
 * Sticky: a member keeps the partitions it held, up to its fair share, and only the rest move. A
 * partition that moves has its running jobs run again by its new owner, so a worker joining a
 * busy group must take as few as it can: with one partition, none.
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

  const owned = new Map(members.map(({memberId, owned}) => [memberId, owned ?? {}]))
  const ordered = [...sets.values()].sort((a, b) => a.members.length - b.members.length)
  for (const {members: eligible, topics} of ordered) {
    const numbers = [...new Set(topics.flatMap((topic) => partitions[topic]))].sort((a, b) => a - b)
    const give = (owner: string, partition: number) => {
      const given = assignment.get(owner) as PartitionsByTopic
      for (const topic of topics.filter((each) => partitions[each].includes(partition))) {
        given[topic] = [...(given[topic] ?? []), partition]
        load.set(owner, (load.get(owner) as number) + 1)
      }
    }

    // First, each partition stays with the member that held it, up to that member's fair share.
    const fairShare = Math.ceil(numbers.length / eligible.length)
    const kept = new Map(eligible.map((id) => [id, 0]))
    const moving: number[] = []
    for (const partition of numbers) {
      const holder = eligible.find((id) => topics.some((topic) => owned.get(id)?.[topic]?.includes(partition)))
      if (holder !== undefined && (kept.get(holder) as number) < fairShare) {
        kept.set(holder, (kept.get(holder) as number) + 1)
        give(holder, partition)
      } else {
        moving.push(partition)
      }
    }

    for (const partition of moving) {
      give(
        eligible.reduce((best, id) => ((load.get(id) as number) < (load.get(best) as number) ? id : best)),
        partition,
      )
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
export function subscribedAssigner(held: () => PartitionsByTopic): PartitionAssigner {
  return ({cluster}) => ({
    name: 'kq-subscribed',
    version: 0,

    async assign({members}) {
      const subscriptions = members.map(({memberId, memberMetadata}) => {
        const metadata = AssignerProtocol.MemberMetadata.decode(memberMetadata)
        return {memberId, topics: metadata?.topics ?? [], owned: ownedFrom(metadata?.userData)}
      })
      const topics = [...new Set(subscriptions.flatMap((each) => each.topics))]
      const assignment = assignBySubscription(subscriptions, await partitionsOf(cluster, topics))
      return [...assignment].map(([memberId, partitions]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({version: 0, assignment: partitions, userData: Buffer.alloc(0)}),
      }))
    },

    // The partitions this member holds travel with its subscription, for the leader to keep them.
    protocol({topics}) {
      return {
        name: 'kq-subscribed',
        metadata: AssignerProtocol.MemberMetadata.encode({version: 0, topics, userData: Buffer.from(JSON.stringify(held()))}),
      }
    },
  })
}

/** The partitions a member said it holds; nothing for anything else (an older kq sends none). */
function ownedFrom(userData: Buffer | undefined): PartitionsByTopic {
  try {
    const parsed: unknown = JSON.parse(userData?.toString() || '{}')
    if (typeof parsed !== 'object' || parsed === null) return {}
    return Object.fromEntries(
      Object.entries(parsed).filter(([, list]) => Array.isArray(list) && list.every((each) => Number.isInteger(each))),
    ) as PartitionsByTopic
  } catch {
    return {}
  }
}

/**
 * The assigners a kq consumer offers its group, preferred first, given what it holds now.
 * Round-robin stays second: a group that mixes these workers with older ones (which offer only
 * round-robin) still agrees.
 */
export function partitionAssigners(held: () => PartitionsByTopic): PartitionAssigner[] {
  return [subscribedAssigner(held), kafkajs.PartitionAssigners.roundRobin]
}
