import {DELAY_SUFFIX, RUNGS} from '../delay/ladder.js'
import {type TopicPartition} from '../kafka/index.js'

const DELAY_TOPIC = new RegExp(`${DELAY_SUFFIX}(?:${RUNGS.map((rung) => rung.label).join('|')})$`)

/**
 * `orders[0,1] orders-retry[0,1] orders-delay-*[0,1]`: partitions grouped by topic, topics in
 * name order, a queue's six delay topics read as one. `none` when there are none.
 */
export function describePartitions(partitions: TopicPartition[], none: string): string {
  if (partitions.length === 0) return none
  const byTopic = new Map<string, Set<number>>()
  for (const {topic, partition} of partitions) {
    const name = topic.replace(DELAY_TOPIC, `${DELAY_SUFFIX}*`)
    byTopic.set(name, (byTopic.get(name) ?? new Set()).add(partition))
  }

  return [...byTopic]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([topic, list]) => `${topic}[${[...list].sort((a, b) => a - b).join(',')}]`)
    .join(' ')
}
