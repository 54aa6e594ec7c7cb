/**
 * The headers of a unique job (a job class with `uniqueId`): its unique id, and for how long
 * it stays unique. The worker reads them; a producer in another language may write them too.
 */
export const UNIQUE_HEADERS = {id: 'kq-unique-id', seconds: 'kq-unique-for', until: 'kq-unique-until'} as const

/** The longest a unique id may be, in characters: it is also the message key. */
export const MAX_UNIQUE_ID_LENGTH = 1000

export interface UniqueMark {
  id: string
  /** Seconds it stays unique; undefined: until the first job with this id has finished. */
  seconds?: number
  /** True: the id is let go when the job starts, not when it ends (ShouldBeUniqueUntilProcessing). */
  untilProcessing?: boolean
}

/** The headers that mark a job unique. */
export function uniqueHeaders(mark: UniqueMark): Record<string, string> {
  return {
    [UNIQUE_HEADERS.id]: mark.id,
    ...(mark.seconds !== undefined && {[UNIQUE_HEADERS.seconds]: String(mark.seconds)}),
    ...(mark.untilProcessing === true && {[UNIQUE_HEADERS.until]: 'processing'}),
  }
}

/** A record's unique mark, from its headers; undefined for a job that is not unique (or a bad `kq-unique-for`, ignored). */
export function uniqueMarkOf(headers: Record<string, string>): UniqueMark | undefined {
  const id = headers[UNIQUE_HEADERS.id]
  if (id === undefined || id === '') return undefined
  const seconds = Number(headers[UNIQUE_HEADERS.seconds])
  return {
    id,
    ...(Number.isFinite(seconds) && seconds > 0 && {seconds}),
    ...(headers[UNIQUE_HEADERS.until] === 'processing' && {untilProcessing: true}),
  }
}
