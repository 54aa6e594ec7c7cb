import {type KqConfig} from '../config/index.js'
import {companionOf} from '../config/topics.js'
import {TopicNotFoundError, UsageError} from '../errors.js'
import {withTopicAdmin} from '../kafka/index.js'
import {deadLetterBacklog} from './backlog.js'
import {type DeadLetter} from './letters.js'
import {matchesId} from './selection.js'
import {type DeadLetterState, type DeadLetterStore} from './store.js'

/**
 * The queues, other than `searched`, whose dead-letter topics hold a dead letter of job `id`:
 * for a command that was pointed at one queue (the default one, most often) while the job
 * failed in another. Only job ids travel between topics; a `<partition>:<offset>` names a place
 * in one topic and is never looked for elsewhere.
 */
export async function otherQueuesHolding(config: KqConfig, store: DeadLetterStore, id: string, searched: string): Promise<string[]> {
  if (/^(\S+:)?\d+:\d+$/.test(id)) return []
  const queues = await withTopicAdmin(config.kafka, async (admin) => {
    const candidates = deadLetterTopics(await admin.listTopics(), config).filter(({queue}) => queue !== searched)
    // Reading a topic costs far more than asking its offsets: only those holding records are read.
    const {ends} = await admin.offsetsOfTopics(candidates.map(({topic}) => topic))
    return candidates.filter(({topic}) => (ends.get(topic) ?? []).some(({low, high}) => high > low)).map(({queue}) => queue)
  })
  const found: string[] = []
  for (const queue of queues) {
    const state = await store.load(queue, {all: true})
    if (state.letters.some((letter) => matchesId(letter, id))) found.push(queue)
  }

  return found
}

/**
 * The queues other than `searched` with dead letters pending for the cursor group, and how many:
 * a listing of the default queue says so, or "no dead letters" would mislead (Laravel's
 * queue:failed lists every queue's).
 */
export async function otherQueuesWithPending(config: KqConfig, searched: string, cursorGroup: string): Promise<Array<{queue: string; pending: number}>> {
  return withTopicAdmin(config.kafka, async (admin) => {
    const candidates = deadLetterTopics(await admin.listTopics(), config).filter(({queue}) => queue !== searched)
    if (candidates.length === 0) return []
    const {ends, committed} = await admin.offsetsOfTopics(candidates.map(({topic}) => topic), {committedBy: [cursorGroup]})
    return candidates.flatMap(({queue, topic}) => {
      const offsets = ends.get(topic)
      if (offsets === undefined) return []
      const pending = deadLetterBacklog(offsets, committed.get(cursorGroup)?.get(topic) ?? []).reduce((sum, each) => sum + each.pending, 0)
      return pending > 0 ? [{queue, pending}] : []
    })
  })
}

/** The dead-letter topics among `topics` whose queue topic exists, each with its queue's name. */
function deadLetterTopics(topics: string[], config: KqConfig): Array<{queue: string; topic: string}> {
  const existing = new Set(topics)
  return topics.flatMap((topic) => {
    const companion = companionOf(topic)
    if (companion?.role !== 'dead-letter' || !existing.has(companion.queueTopic)) return []
    // The default queue may have another topic (KAFKA_TOPIC): it is known by its queue name.
    return [{queue: companion.queueTopic === config.topic ? config.queue : companion.queueTopic, topic}]
  })
}

/**
 * The dead letters of `id` in `queue`, newest first, with the state they were read from. When
 * the queue was not named (the default one) and its dead letters lack the id, or it has no
 * dead-letter topic, the one other queue holding the id is read instead.
 */
export async function findDeadLetters(
  config: KqConfig,
  store: DeadLetterStore,
  id: string,
  where: {queue: string; named: boolean},
): Promise<{state: DeadLetterState; matches: DeadLetter[]}> {
  let state: DeadLetterState | undefined
  let missing: unknown
  try {
    state = await store.load(where.queue, {all: true})
  } catch (error) {
    if (where.named || !(error instanceof TopicNotFoundError)) throw error
    missing = error
  }

  const matches = state?.letters.filter((letter) => matchesId(letter, id)).reverse() ?? []
  if (matches.length > 0 || where.named) return {state: state!, matches}
  const elsewhere = await otherQueuesHolding(config, store, id, where.queue)
  if (elsewhere.length > 1) throw new UsageError(`dead letters of job ${id} are in queues ${elsewhere.join(', ')}: pass --queue to say which`)
  if (elsewhere.length === 0) {
    if (state === undefined) throw missing
    return {state, matches}
  }

  const found = await store.load(elsewhere[0], {all: true})
  return {state: found, matches: found.letters.filter((letter) => matchesId(letter, id)).reverse()}
}
