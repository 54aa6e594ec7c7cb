import {type KqConfig} from '../config/index.js'
import {deadLetterCursorGroup} from '../dead-letter/backlog.js'
import {decodeHandledRanges, isHandled} from '../dead-letter/cursor.js'
import {HEADERS, isJobId, jobIdTime} from '../envelope/index.js'
import {AuthorizationError, UsageError} from '../errors.js'
import {type ReadRange, type TopicReader, openTopicReader, withTopicAdmin} from '../kafka/index.js'
import {findQueues} from '../monitoring/read.js'
import {type TopicRole, queueTopicRoles} from '../topics/plan.js'
import {inHistoryOrder, sightingOf, stateOf} from './sightings.js'
import {type JobHistory, type JobSighting, JobNotFoundError} from './types.js'

/**
 * Kafka keeps no index by job id, so a lookup reads a bounded slice of the job's topics. A job
 * id is a UUIDv7 that holds its dispatch time, and every record of the job is written after it:
 * each topic is read from that time (less CLOCK_SKEW_MS, for the clocks of other machines),
 * found through Kafka's time index, to its end, at most `maxRecordsPerTopic` records a topic.
 */

/** How far another machine's clock (a worker writing a retry) may be behind the dispatcher's. */
export const CLOCK_SKEW_MS = 60_000

/** @defaultValue for JobLookupOptions.maxRecordsPerTopic */
export const MAX_RECORDS_PER_TOPIC = 20_000

export interface JobLookupOptions {
  /** Reads only this queue's topics. @defaultValue every queue kq finds */
  queue?: string
  /** @defaultValue MAX_RECORDS_PER_TOPIC */
  maxRecordsPerTopic?: number
}

interface TopicScan {
  found: JobSighting[]
  /** The job class named by the records found. */
  names: string[]
  cutShort: boolean
  retentionReached: boolean
  refused?: true
}

/** The records of job `id` in its queue's topics (the queue, retry, delay and dead-letter topics), and where it is now. */
export async function findJobHistory(config: KqConfig, id: string, options: JobLookupOptions = {}): Promise<JobHistory> {
  if (!isJobId(id)) throw new UsageError(`${JSON.stringify(id)} is not a kq job id: give the lower-case UUIDv7 that kq dispatch printed`)
  const maxRecords = options.maxRecordsPerTopic ?? MAX_RECORDS_PER_TOPIC
  const from = jobIdTime(id) - CLOCK_SKEW_MS
  const to = Date.now()
  const {queues, existing} = await withTopicAdmin(config.kafka, async (admin) => findQueues(admin, config, options.queue === undefined ? undefined : [options.queue]))
  const topics = queues.flatMap((queue) =>
    queueTopicRoles(queue)
      .filter(([name]) => existing.has(name))
      .map(([name, role]) => ({queue: queue.queue, name, role})),
  )
  const reader = await openTopicReader(config.kafka)
  try {
    const prefix = deadLetterCursorGroup(config.consumerGroup)
    // Each read is a consumer of its own: reading the topics side by side takes one join's time.
    const scans = await Promise.all(
      topics.map(async (topic) => ({topic, ...(await scanTopic(reader, topic.name, topic.role, id, {from, maxRecords, prefix}).catch(refusedScan))})),
    )
    const searched = {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      maxRecordsPerTopic: maxRecords,
      queues: queues.map((queue) => queue.queue),
      cutShort: scans.filter((scan) => scan.cutShort).map((scan) => scan.topic.name),
      retentionReached: scans.filter((scan) => scan.retentionReached).map((scan) => scan.topic.name),
      refused: scans.filter((scan) => scan.refused).map((scan) => scan.topic.name),
    }
    const history = inHistoryOrder(scans.flatMap((scan) => scan.found))
    if (history.length === 0) {
      const where = searched.queues.length === 1 ? `queue ${searched.queues[0]}` : `${searched.queues.length} queues`
      throw new JobNotFoundError(
        `job ${id} was not found within the search: the topics of ${where}, from ${searched.from} (its dispatch time less ${CLOCK_SKEW_MS / 1000}s) to now, ` +
          `at most ${maxRecords} records a topic${searched.retentionReached.length > 0 ? '; Kafka may have deleted its records (retention)' : ''}` +
          `${searched.refused.length > 0 ? `; not allowed to read ${searched.refused.join(', ')}` : ''}`,
      )
    }

    const last = history.at(-1)!
    const queue = topics.find((topic) => topic.name === last.topic)!.queue
    const worked = await isWorked(reader, config.consumerGroup, last)
    return {id, job: scans.flatMap((scan) => scan.names)[0] ?? null, queue, ...stateOf(last, worked, {id, queue}), history, searched}
  } finally {
    await reader.close()
  }
}

async function scanTopic(
  reader: TopicReader,
  topic: string,
  role: TopicRole,
  id: string,
  bounds: {from: number; maxRecords: number; prefix: string},
): Promise<TopicScan> {
  const [offsets, starts] = await Promise.all([reader.topicOffsets(topic), reader.offsetsAtTime(topic, bounds.from)])
  const startOf = new Map(starts.map(({partition, offset}) => [partition, offset]))
  const ranges: ReadRange[] = offsets.map(({partition, low, high}) => ({partition, from: Math.max(low, startOf.get(partition) ?? high), to: high}))
  const holding = ranges.filter((range) => range.to > range.from)
  // The budget is shared by the partitions that have records in the window.
  const share = Math.ceil(bounds.maxRecords / Math.max(1, holding.length))
  const bounded = holding.map((range) => ({...range, to: Math.min(range.to, range.from + share)}))
  const found: JobSighting[] = []
  const names: string[] = []
  await reader.read(topic, bounded, bounds.prefix, (message) => {
    if (message.headers[HEADERS.jobId] !== id) return
    found.push(sightingOf(message, role))
    if (message.headers[HEADERS.job]) names.push(message.headers[HEADERS.job])
  })
  return {
    found,
    names,
    cutShort: bounded.some((range, index) => range.to < holding[index].to),
    // The first record kept is already inside the window: records of the job may have been deleted before it.
    retentionReached: offsets.some(({partition, low}) => low > 0 && startOf.get(partition) === low),
  }
}

/** A topic the principal may not read is left out of the search, and named, rather than failing it. */
function refusedScan(error: unknown): TopicScan {
  if (!(error instanceof AuthorizationError)) throw error
  return {found: [], names: [], cutShort: false, retentionReached: false, refused: true}
}

/** Whether the group that reads the record's topic is past it: the workers', or for a dead letter the cursor's. */
async function isWorked(reader: TopicReader, workers: string, last: JobSighting): Promise<boolean> {
  const deadLetter = last.kind === 'dead-letter'
  const committed = (await reader.committed(deadLetter ? deadLetterCursorGroup(workers) : workers, last.topic)).find((each) => each.partition === last.partition)
  if (committed === undefined) return false
  if (!deadLetter) return committed.offset > last.offset
  return isHandled({partition: last.partition, committed: committed.offset, handled: committed.offset >= 0 ? decodeHandledRanges(committed.metadata) : []}, last.offset)
}
