// kafkajs's own module, not its public API: where every read of partitions' offsets goes.
import Cluster from 'kafkajs/src/cluster/index.js'

let patched = false

/** How soon the metadata is read again while a partition has no leader. */
const LEADER_LOOKUP_MS = 1000

/**
 * Makes kafkajs leave out of an offsets read the partitions that no broker leads (every replica
 * down, leader -1 since metadata-parse.ts), rather than fail the read for every partition. A
 * consumer in a new group reads the offsets of all its partitions before it fetches any: one
 * partition without a leader failed that read ("Broker -1 not found"), and kafkajs tried it again
 * at once, for ever, so a worker ran no job of any partition and spun a core while a node was
 * down. Left out, such a partition has no offset yet, which kafkajs already takes as "do not
 * fetch it", and reads again on its next fetch. Kafka's own clients ask for metadata again soon
 * while a partition has no leader, where kafkajs waits out its metadata's age (5 minutes): its
 * metadata is now read again within a second, so that a returning leader is seen as quickly.
 * Each topic asked about is in the answer, with the partitions that have a leader.
 */
export function skipLeaderlessPartitionsInOffsetReads(): void {
  if (patched) return
  patched = true
  const fetchTopicsOffset = Cluster.prototype.fetchTopicsOffset
  Cluster.prototype.fetchTopicsOffset = async function (this: Cluster, topics) {
    const led = topics.map((request) => {
      const down = new Set(this.findTopicPartitionMetadata(request.topic).filter(({leader}) => leader < 0).map(({partitionId}) => partitionId))
      return down.size === 0 ? request : {...request, partitions: request.partitions.filter(({partition}) => !down.has(partition))}
    })
    if (led.every((request, index) => request === topics[index])) return fetchTopicsOffset.call(this, topics)
    const soon = Date.now() + LEADER_LOOKUP_MS
    if (this.brokerPool.metadataExpireAt === null || this.brokerPool.metadataExpireAt > soon) this.brokerPool.metadataExpireAt = soon
    const asked = led.filter((request) => request.partitions.length > 0)
    const answered = asked.length === 0 ? [] : await fetchTopicsOffset.call(this, asked)
    return topics.map(({topic}) => ({topic, partitions: answered.find((each) => each.topic === topic)?.partitions ?? []}))
  }
}
