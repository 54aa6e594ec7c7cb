import {type TopicPartition} from '../kafka/index.js'
import {PartitionLedger} from './ledger.js'
import {type TopicRole} from './topic-roles.js'

/** The partitions the group gave this worker, each with its ledger, by `topic:partition`. */
export class OwnedPartitions {
  private readonly ledgers = new Map<string, PartitionLedger>()

  get(topic: string, partition: number): PartitionLedger | undefined {
    return this.ledgers.get(`${topic}:${partition}`)
  }

  values(): IterableIterator<PartitionLedger> {
    return this.ledgers.values()
  }

  /**
   * Takes a new assignment: partitions no longer in it are forgotten and returned as `revoked`,
   * those still in it keep their ledgers (`kept`), and new ones of a topic the worker reads get
   * fresh ledgers (`added`).
   */
  reassign(assignment: TopicPartition[], roles: ReadonlyMap<string, TopicRole>): Record<'revoked' | 'kept' | 'added', PartitionLedger[]> {
    const owned = new Set(assignment.map(({topic, partition}) => `${topic}:${partition}`))
    const revoked: PartitionLedger[] = []
    for (const [key, ledger] of this.ledgers) {
      if (owned.has(key)) continue
      this.ledgers.delete(key)
      revoked.push(ledger)
    }

    const kept: PartitionLedger[] = []
    const added: PartitionLedger[] = []
    for (const {topic, partition} of assignment) {
      const ledger = this.get(topic, partition)
      if (ledger) {
        kept.push(ledger)
        continue
      }

      const role = roles.get(topic)
      if (!role) continue
      const fresh = new PartitionLedger(topic, partition, role.level)
      this.ledgers.set(`${topic}:${partition}`, fresh)
      added.push(fresh)
    }

    return {revoked, kept, added}
  }

  /** True when no partition's last fetch saw records past those taken from it. */
  takenToFetchedEnds(): boolean {
    for (const ledger of this.ledgers.values()) {
      if (ledger.fetchedEnd !== undefined && (ledger.nextFetch ?? 0) < ledger.fetchedEnd) return false
    }

    return true
  }

  /** The watermark of each partition that has one: everything below it is finished. */
  positions(): Map<string, number> {
    const positions = new Map<string, number>()
    for (const [key, ledger] of this.ledgers) if (ledger.watermark !== undefined) positions.set(key, ledger.watermark)
    return positions
  }
}
