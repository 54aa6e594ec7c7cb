import {strict as assert} from 'node:assert'

import {topicsForTopic} from '../../../src/lib/config/index.js'
import {type IncomingMessage, type OutgoingMessage} from '../../../src/lib/kafka/index.js'
import {LadderMover, dueAt, leavesRung} from '../../../src/lib/worker/delay-routing.js'
import {PartitionLedger} from '../../../src/lib/worker/ledger.js'
import {topicRoles} from '../../../src/lib/worker/topic-roles.js'

const roles = topicRoles([topicsForTopic('jobs')])

function record(topic: string, timestamp: number, headers: Record<string, string> = {}): IncomingMessage {
  return {topic, partition: 0, offset: 7, timestamp, key: null, value: Buffer.from('{}'), headers}
}

describe('delay routing in the worker', () => {
  it('holds a delay record without a not-before header until its rung’s wait is over', () => {
    const writtenAt = Date.parse('2026-01-01T00:00:00Z')
    assert.equal(dueAt(record('jobs-delay-1m', writtenAt), roles.get('jobs-delay-1m')!), writtenAt + 60_000)
    assert.equal(leavesRung(record('jobs-delay-1m', writtenAt), roles.get('jobs-delay-1m')!), writtenAt + 60_000)
  })

  it('takes a record’s not-before header over its rung, and a queue record without one is due at once', () => {
    const writtenAt = Date.parse('2026-01-01T00:00:00Z')
    const notBefore = '2026-01-01T00:00:30Z'
    assert.equal(dueAt(record('jobs-delay-1m', writtenAt, {'kq-not-before': notBefore}), roles.get('jobs-delay-1m')!), Date.parse(notBefore))
    assert.equal(dueAt(record('jobs', writtenAt), roles.get('jobs')!), 0)
  })

  it('leaves a record unfinished and says why when its copy could not be written to the rung', async () => {
    const moved: number[] = []
    const failures: unknown[] = []
    let settled = 0
    const mover = new LadderMover({
      group: 'workers',
      roles,
      processor: {
        async write(_topic: string, _record: OutgoingMessage) {
          throw new Error('broker gone')
        },
      },
      moved: (_ledger, offset) => moved.push(offset),
      failed: (error) => failures.push(error),
      settled: () => settled++,
    })
    const entry = {record: record('jobs', Date.now()), ledger: new PartitionLedger('jobs', 0, 0), lane: null}
    await mover.moveDown(entry, 90_000)
    assert.deepEqual(moved, [])
    assert.equal((failures[0] as Error).message, 'broker gone')
    assert.equal(settled, 1)
    assert.equal(mover.moving, 0)
  })
})
