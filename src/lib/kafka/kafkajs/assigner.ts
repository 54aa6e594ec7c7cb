import kafkajs, {type Cluster, type PartitionAssigner} from 'kafkajs'

import {type PartitionsByTopic, assignBySubscription} from '../assignment.js'
import {type MemberProcess} from '../types.js'
import {isTopicRefusal} from './errors.js'

const {AssignerProtocol} = kafkajs

/**
 * The key of a member's own description in its subscription's user data, beside the partitions
 * it holds (keyed by topic). `@` cannot start a topic name, and a leader reading the held
 * partitions skips any entry that is not a list of numbers, so older kq leaders ignore it.
 */
const PROCESS_KEY = '@process'

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
export function subscribedAssigner(held: () => PartitionsByTopic, process?: MemberProcess): PartitionAssigner {
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

    // The partitions this member holds travel with its subscription, for the leader to keep
    // them; so does who it is, which Kafka hands back to anyone describing the group.
    protocol({topics}) {
      const userData = {...held(), ...(process && {[PROCESS_KEY]: process})}
      return {
        name: 'kq-subscribed',
        metadata: AssignerProtocol.MemberMetadata.encode({version: 0, topics, userData: Buffer.from(JSON.stringify(userData))}),
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
export function partitionAssigners(held: () => PartitionsByTopic, process?: MemberProcess): PartitionAssigner[] {
  return [subscribedAssigner(held, process), kafkajs.PartitionAssigners.roundRobin]
}

/**
 * The process a member described in its subscription (see PROCESS_KEY); null when it did not:
 * another client, an older kq, or a group that agreed on round-robin, which carries no user data.
 */
export function memberProcessOf(memberMetadata: Buffer | undefined): MemberProcess | null {
  try {
    if (!memberMetadata || memberMetadata.length === 0) return null
    const userData = AssignerProtocol.MemberMetadata.decode(memberMetadata)?.userData
    const parsed: unknown = JSON.parse(userData?.toString() || '{}')
    const found = (parsed as Record<string, unknown> | null)?.[PROCESS_KEY] as Partial<MemberProcess> | undefined
    if (typeof found?.host !== 'string' || !Number.isInteger(found.pid)) return null
    return {host: found.host, pid: found.pid!, name: typeof found.name === 'string' ? found.name : null}
  } catch {
    return null
  }
}
