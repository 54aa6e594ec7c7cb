import {UsageError} from '../errors.js'
import {type TopicRole} from '../topics/plan.js'

/** What a record of a job is, by the topic it is on. */
export type SightingKind = 'dispatched' | 'replayed' | 'delayed' | 'retry' | 'dead-letter'

/** One record of a job found in Kafka: a step of its history. */
export interface JobSighting {
  kind: SightingKind
  topic: string
  role: TopicRole
  partition: number
  offset: number
  /** The record's Kafka timestamp, ISO-8601. */
  time: string
  /** The attempt this record is for; on a dead letter, the attempts made. Null when unknown. */
  attempt: number | null
  /** How the attempt before this record failed (retries and dead letters). */
  error: {class: string | null; message: string | null} | null
  /** Dead letters: why it was dead-lettered. */
  reason: string | null
  /** Replays: the dead letter it came from, `<topic>:<partition>:<offset>`. */
  replayedFrom: string | null
  /** When the record may run (delayed jobs and retries). */
  notBefore: string | null
}

/**
 * Where a job is now, as far as its last record and the groups' committed offsets tell:
 * `waiting` on its queue or retry topic (or running right now), `delayed` on a delay rung,
 * `done` (its last record was worked and nothing later was found), `dead-lettered` (pending),
 * or `dead-letter-handled` (replayed or purged).
 */
export type JobState = 'waiting' | 'delayed' | 'done' | 'dead-lettered' | 'dead-letter-handled'

/** The limits of a lookup: Kafka has no index by job id, so a lookup reads a bounded slice. */
export interface SearchBounds {
  /** Records older than this are not read: the job id's time less the allowed clock skew. */
  from: string
  /** Records written after the search began are not read. */
  to: string
  /** At most this many records are read on each topic. */
  maxRecordsPerTopic: number
  /** The queues whose topics were read. */
  queues: string[]
  /** Topics not read to their end because of maxRecordsPerTopic: the job may have records there after those read. */
  cutShort: string[]
  /** Topics whose records from `from` on may be partly deleted already (retention). */
  retentionReached: string[]
  /** Topics Kafka would not let this principal read (ACLs: an operator reads dead letters, not jobs). */
  refused: string[]
}

export interface JobHistory {
  id: string
  /** The job's class, from its records. */
  job: string | null
  queue: string
  state: JobState
  /** Where it is now, in words, for a person. */
  summary: string
  /** Its records, oldest first. */
  history: JobSighting[]
  searched: SearchBounds
}

/** No record of the job within the bounds of the search: answered as a 404 by the dashboard. */
export class JobNotFoundError extends UsageError {
  override name = 'JobNotFoundError'
}
