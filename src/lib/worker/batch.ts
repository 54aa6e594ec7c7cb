import {BatchBook, type BatchEndJob, endJobsDue, encodeBatchRecord} from '../batch/records.js'
import {createEnvelope, type JobEnvelope} from '../envelope/index.js'
import {uniqueHeaders} from '../envelope/unique.js'
import {type KafkaConnectionConfig} from '../config/index.js'
import {type OutgoingMessage, type PublishedRecord, type SendOptions, type TopicReader, openTopicReader} from '../kafka/index.js'
import {type FollowUp} from './chain.js'

export interface BatchEndsDeps {
  connection: KafkaConnectionConfig
  /** The batch topic (KQ_BATCH_TOPIC). */
  topic: string
  /** The prefix of the short-lived groups the batch topic is read through. */
  readerGroup: string
  /** Writes a record, acknowledged by every in-sync replica, and says where it landed. */
  write(topic: string, record: OutgoingMessage, options?: SendOptions): Promise<PublishedRecord>
  /** Writes a job to its queue, acknowledged by every in-sync replica. */
  dispatch(followUp: FollowUp): Promise<void>
}

/**
 * Reports the end of a batch's job, and dispatches the batch's end jobs when that end completes
 * it. In this order, each acknowledged before the next, and all before the job's offset is
 * committed:
 * 1. the job's end record, keyed by the batch id (a job run again writes it again);
 * 2. the batch's records read back, from its created record up to that end record, and folded:
 *    the job whose first end record brought the count to the total is the one that completed
 *    the batch, whichever worker ran it and however often (see BatchBook);
 * 3. if this job completed it and no `finished` record is there yet: its end jobs (ids made from
 *    the batch id), then the `finished` record.
 * A crash anywhere before 3 ends leaves the job's offset uncommitted: the job runs again, and
 * its worker, seeing the same job complete the batch, does step 3 in its turn.
 */
export class BatchEnds {
  private reader?: Promise<TopicReader>

  constructor(private readonly deps: BatchEndsDeps) {}

  async jobEnded(envelope: JobEnvelope, ok: boolean): Promise<void> {
    const ref = envelope.batch
    if (ref === undefined) return
    const {topic} = this.deps
    const at = new Date().toISOString()
    // On the created record's partition, which the batch id's key chose then, even if the topic
    // has more partitions since.
    const {partition} = ref
    const written = await this.deps.write(topic, encodeBatchRecord({type: 'job', batch: ref.id, at, id: envelope.id, job: envelope.job, ok}), {partition})
    const book = new BatchBook()
    const reader = await this.openReader()
    await reader.read(topic, [{partition, from: ref.offset, to: written.offset + 1}], this.deps.readerGroup, (message) => {
      book.applyMessage(message)
    })
    const due = endJobsDue(book.get(ref.id), envelope.id)
    if (due.length === 0) return
    for (const end of due) await this.deps.dispatch(endJobFollowUp(end))
    const finished = encodeBatchRecord({type: 'finished', batch: ref.id, at: new Date().toISOString(), by: envelope.id, dispatched: due.map(({role}) => role)})
    await this.deps.write(topic, finished, {partition})
  }

  async close(): Promise<void> {
    const reader = this.reader
    this.reader = undefined
    await (await reader?.catch(() => undefined))?.close().catch(() => {})
  }

  private async openReader(): Promise<TopicReader> {
    this.reader ??= openTopicReader(this.deps.connection)
    try {
      return await this.reader
    } catch (error) {
      this.reader = undefined
      throw error
    }
  }
}

/**
 * An end job as it is dispatched: a unique job whose unique id, and so its key and partition,
 * is its own id, made from the batch id. When it is dispatched twice (see README "Batches"),
 * both copies come to one partition, in order, and the worker that ran the first skips the
 * second as a copy of a job that ran to its end there.
 */
export function endJobFollowUp({job, queue, id, payload}: BatchEndJob): FollowUp {
  return {queue, key: id, envelope: createEnvelope({job, queue, payload}, {id}), headers: uniqueHeaders({id})}
}
