import {setTimeout as sleep} from 'node:timers/promises'

import {type Admin, type Consumer, type Kafka} from 'kafkajs'

import {GroupHasMembersError, KafkaRefusedError, errorMessage} from '../../errors.js'
import {isCoordinatorPending, translateKafkaError} from './errors.js'

/**
 * How long a group's first request may wait for its coordinator. Kafka makes its
 * __consumer_offsets topic when a cluster first sees a group, and answers
 * COORDINATOR_NOT_AVAILABLE until that topic has a leader and, replicated, its in-sync copies:
 * a few seconds for three brokers, several times that on a busy two-core machine. A minute
 * covers that; a coordinator still missing after it is a cluster problem the user must hear of.
 */
export const COORDINATOR_WAIT_MS = 60_000

/** A pause between tries, short next to the wait: the coordinator is usually seconds away. */
const RETRY_PAUSE_MS = 500

/** How long leaving the group may take before the consumer is abandoned. */
const LEAVE_TIMEOUT_MS = 5000

export interface GroupStart {
  groupId: string
  topics: string[]
  offsets: Array<{topic: string; partition: number; offset: string}>
}

/** The try under way outlived the wait: not an answer from Kafka, so its own class. */
class WaitOver extends Error {}

/**
 * Commits `offsets` for a group that has no members, joining it once for all the topics (kafkajs's
 * admin.setOffsets waits out a 5 s fetch before it leaves). Throws GroupHasMembersError for a
 * group in use; asks again while the coordinator is not ready, for up to `waitMs`; any other
 * failure is translated at once.
 */
export async function commitGroupStart(kafka: Kafka, admin: Admin, brokers: string[], start: GroupStart, waitMs = COORDINATOR_WAIT_MS): Promise<void> {
  const deadline = Date.now() + waitMs
  const action = `setting the offsets of group ${start.groupId} on ${start.topics.join(', ')}`
  for (;;) {
    try {
      await commitIfIdle(kafka, admin, start, deadline)
      return
    } catch (error) {
      if (error instanceof GroupHasMembersError) throw error
      if (!(error instanceof WaitOver) && !isCoordinatorPending(error)) throw translateKafkaError(error, {brokers, action})
      if (Date.now() >= deadline) throw coordinatorMissing(start.groupId, waitMs, error)
      await sleep(RETRY_PAUSE_MS)
    }
  }
}

async function commitIfIdle(kafka: Kafka, admin: Admin, {groupId, topics, offsets}: GroupStart, deadline: number): Promise<void> {
  const {groups} = await withinDeadline(admin.describeGroups([groupId]), deadline)
  const members = groups.find((each) => each.groupId === groupId)?.members.length ?? 0
  if (members > 0) throw new GroupHasMembersError(groupId, members)
  // No restart on failure: a crash ends this try, and commitGroupStart decides whether to ask again.
  const consumer = kafka.consumer({groupId, maxWaitTimeInMs: 50, allowAutoTopicCreation: false, retry: {restartOnFailure: async () => false}})
  try {
    await withinDeadline(joinAndCommit(consumer, topics, offsets), deadline)
  } finally {
    // Also after the wait ran out mid-join: a consumer left connected would keep the process alive.
    await withinDeadline(consumer.disconnect(), Date.now() + LEAVE_TIMEOUT_MS).catch(() => {})
  }
}

async function joinAndCommit(consumer: Consumer, topics: string[], offsets: GroupStart['offsets']): Promise<void> {
  const joined = new Promise<void>((resolve, reject) => {
    consumer.on(consumer.events.GROUP_JOIN, () => resolve())
    consumer.on(consumer.events.CRASH, ({payload}) => reject(payload.error))
  })
  // Awaited only after run(): a crash before then must not count as unhandled.
  joined.catch(() => {})
  await consumer.connect()
  await consumer.subscribe({topics, fromBeginning: true})
  await consumer.run({autoCommit: false, eachBatch: async () => {}})
  await joined
  await consumer.commitOffsets(offsets)
}

async function withinDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const over = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitOver()), Math.max(0, deadline - Date.now()))
  })
  try {
    return await Promise.race([work, over])
  } finally {
    clearTimeout(timer)
  }
}

function coordinatorMissing(groupId: string, waitMs: number, last: unknown): KafkaRefusedError {
  const seen = last instanceof WaitOver ? 'no answer' : errorMessage(last)
  return new KafkaRefusedError(
    `Kafka named no working coordinator for group ${groupId} within ${waitMs / 1000}s (${seen}), so the new topics were made but the group will start at their end: ` +
      "check the brokers (kq kafka:status for a local cluster) and that this client may use the group (READ and DESCRIBE), then start the group's first worker with --from-beginning",
    {cause: last},
  )
}
