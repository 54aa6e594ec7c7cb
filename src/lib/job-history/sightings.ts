import {HEADERS} from '../envelope/index.js'
import {FAILURE_HEADERS} from '../failure/headers.js'
import {shownText} from '../failure/sealed-text.js'
import {NOT_BEFORE_HEADER} from '../delay/ladder.js'
import {REPLAY_HEADERS} from '../dead-letter/letters.js'
import {type IncomingMessage} from '../kafka/index.js'
import {type TopicRole} from '../topics/plan.js'
import {type JobSighting, type JobState, type SightingKind} from './types.js'

/**
 * A job's history from its records: what each record is, and where the job is now. Pure: the
 * records and the committed offsets are read by find.ts.
 */

export function sightingOf(message: IncomingMessage, role: TopicRole): JobSighting {
  const header = (name: string) => message.headers[name] ?? null
  const whole = (name: string) => {
    const value = header(name)
    return value !== null && /^\d+$/.test(value) ? Number(value) : null
  }

  const replayedFrom = header(REPLAY_HEADERS.replayedFrom)
  const failed = header(FAILURE_HEADERS.failedAt) !== null
  const kind: SightingKind =
    role === 'dead-letter' ? 'dead-letter' : role === 'retry' ? 'retry' : role === 'queue' ? (replayedFrom === null ? 'dispatched' : 'replayed') : 'delayed'
  return {
    kind,
    topic: message.topic,
    role,
    partition: message.partition,
    offset: message.offset,
    time: new Date(message.timestamp).toISOString(),
    // A record without kq-attempt is a first attempt; a dead letter counts the attempts made.
    attempt: kind === 'dead-letter' ? whole(FAILURE_HEADERS.attempts) : (whole(HEADERS.attempt) ?? 1),
    // An encrypted job's error message is encrypted as its payload is: named as such, not opened here.
    error: failed ? {class: header(FAILURE_HEADERS.errorClass), message: sealedAsNamed(header(FAILURE_HEADERS.errorMessage))} : null,
    reason: header(FAILURE_HEADERS.reason),
    replayedFrom,
    notBefore: header(NOT_BEFORE_HEADER),
  }
}

/** Oldest first; records written in the same millisecond keep the order a job's path takes. */
export function inHistoryOrder(sightings: JobSighting[]): JobSighting[] {
  const step: Record<SightingKind, number> = {dispatched: 0, replayed: 0, delayed: 1, retry: 2, 'dead-letter': 3}
  return sightings.sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || step[a.kind] - step[b.kind])
}

/**
 * Where the job is now, from its last record: `worked` says whether the group that reads that
 * record's topic has committed past it (for a dead letter: whether the cursor handled it);
 * `job` is its id and the queue that record belongs to.
 */
export function stateOf(last: JobSighting, worked: boolean, job: {id: string; queue: string}): {state: JobState; summary: string} {
  const where = `${last.topic}[${last.partition}]@${last.offset}`
  if (last.kind === 'dead-letter') {
    // The whole command, queue and id, as Laravel's queue:retry ID: nothing left to look up.
    const replay = `kq dlt:replay ${job.queue} --id ${job.id}`
    return worked
      ? {state: 'dead-letter-handled', summary: `its dead letter ${where} was replayed or purged, and no later record of it was found`}
      : {state: 'dead-lettered', summary: `dead-lettered at ${where} (${last.reason ?? 'no reason given'}): replay it from the Failed jobs page or with \`${replay}\``}
  }

  if (worked) return {state: 'done', summary: `its last record ${where} was worked, and no later retry or dead letter was found: done`}
  if (last.kind === 'delayed') return {state: 'delayed', summary: `waiting on the delay rung ${where}${last.notBefore ? ` until ${last.notBefore}` : ''}`}
  return {state: 'waiting', summary: `waiting at ${where} for a worker (or running now), attempt ${last.attempt ?? '?'}`}
}

function sealedAsNamed(message: string | null): string | null {
  return message === null ? null : shownText(message, FAILURE_HEADERS.errorMessage, undefined, undefined)
}
