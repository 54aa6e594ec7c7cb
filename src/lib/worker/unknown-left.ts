import {type PublishedRecord, type TopicPartition} from '../kafka/index.js'

/**
 * The retry records of jobs this worker does not know, as it wrote them: for --stop-when-empty,
 * which stops once they are all that is left (this worker would only write them again, until
 * --unknown-job-grace runs out), and says what it left behind.
 */
export class UnknownJobsLeft {
  /** Job name by `topic:partition:offset` of the retry record. */
  private readonly records = new Map<string, {record: PublishedRecord; job: string}>()

  add(record: PublishedRecord, job: string): void {
    this.records.set(`${record.topic}:${record.partition}:${record.offset}`, {record, job})
  }

  /**
   * How many of the records from offset `from` on in this partition are such retries. Those
   * before it have been read again since (run, written anew or dead-lettered) and are forgotten.
   */
  countFrom({topic, partition}: TopicPartition, from: number): number {
    let count = 0
    for (const [key, {record}] of this.records) {
      if (record.topic !== topic || record.partition !== partition) continue
      if (record.offset < from) this.records.delete(key)
      else count++
    }

    return count
  }

  /** What a stop leaves behind, in a sentence; undefined when nothing. */
  describe(graceSeconds: number): string | undefined {
    const left = [...this.records.values()]
    if (left.length === 0) return undefined
    const jobs = [...new Set(left.map((each) => each.job))].sort().join(', ')
    const topics = [...new Set(left.map((each) => each.record.topic))].sort().join(', ')
    const [count, its, it] = left.length === 1 ? ['1 job', 'its', 'it'] : [`${left.length} jobs`, 'their', 'them']
    return (
      `left ${count} this worker does not know (${jobs}) waiting on ${topics}: a worker that has ${its} code runs ${it}; ` +
      `one that has not dead-letters ${it} as unknown-job once --unknown-job-grace (${graceSeconds}s) has passed since ${it} first failed`
    )
  }
}
