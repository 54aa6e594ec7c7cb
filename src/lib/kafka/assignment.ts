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
