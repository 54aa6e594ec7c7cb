import {strict as assert} from 'node:assert'

import {Chalk} from 'chalk'

import {BrokerUnreachableError, ExitCode} from '../../../src/lib/errors.js'
import {describePartitions} from '../../../src/lib/output/partitions.js'
import {renderRefresh, renderStatus, terminalFrame, watchHeader} from '../../../src/lib/output/monitoring.js'
import {type StatusSnapshot, watchExitCode} from '../../../src/lib/monitoring/index.js'

const PLAIN = new Chalk({level: 0})
const COLOUR = new Chalk({level: 1})
const RED = '\u001B[31m'
const GREEN = '\u001B[32m'

const snapshot: StatusSnapshot = {
  time: '2026-11-26T17:30:01.000Z',
  group: {
    id: 'kq-workers',
    state: 'Stable',
    members: [
      {memberId: 'kq-b2', clientId: 'kq', host: '/10.0.0.2', assignment: [{topic: 'orders', partition: 1}, {topic: 'orders-retry', partition: 1}]},
      {
        memberId: 'kq-a1',
        clientId: 'kq',
        host: '/10.0.0.1',
        assignment: [{topic: 'orders-retry', partition: 0}, {topic: 'orders', partition: 0}],
        process: {host: 'web-1', pid: 4242, name: null},
      },
    ],
  },
  deadLetterGroup: 'kq-workers-dlt',
  rateWindowSeconds: 2,
  thresholds: {maxLag: 1000, maxDead: 0},
  queues: [
    {
      queue: 'orders',
      topic: 'orders',
      paused: null,
      retryTopic: 'orders-retry',
      deadLetterTopic: 'orders-dlt',
      delayTopics: ['orders-delay-1s', 'orders-delay-10s', 'orders-delay-1m', 'orders-delay-10m', 'orders-delay-1h', 'orders-delay-1d'],
      lag: 1200,
      retryLag: 3,
      delayed: 25,
      pendingDeadLetters: 0,
      undescribable: [],
      workers: 2,
      rate: 40,
      drainSeconds: 30,
      alerts: [{kind: 'lag', value: 1200, threshold: 1000}],
      partitions: [
        {topic: 'orders', partition: 0, end: 800, committed: 200, lag: 600},
        {topic: 'orders', partition: 1, end: 700, committed: 100, lag: 600},
        {topic: 'orders-retry', partition: 0, end: 3, committed: 0, lag: 3},
        {topic: 'orders-retry', partition: 1, end: 0, committed: null, lag: null},
      ],
      deadLetters: [],
      warnings: [],
    },
    {
      queue: 'emails',
      topic: 'emails',
      paused: null,
      retryTopic: 'emails-retry',
      deadLetterTopic: 'emails-dlt',
      delayTopics: ['emails-delay-1s', 'emails-delay-10s', 'emails-delay-1m', 'emails-delay-10m', 'emails-delay-1h', 'emails-delay-1d'],
      lag: null,
      retryLag: null,
      delayed: null,
      pendingDeadLetters: 0,
      undescribable: [],
      workers: 0,
      rate: null,
      drainSeconds: null,
      alerts: [],
      partitions: [{topic: 'emails', partition: 0, end: 5, committed: null, lag: null}],
      deadLetters: [],
      warnings: [],
    },
  ],
  alert: true,
}

describe('status: rendering', () => {
  it('prints the group, a row per queue, every partition and the workers with the host and pid each published, in plain columns', () => {
    assert.equal(
      renderStatus(snapshot, {styles: PLAIN}),
      [
        'Group kq-workers: Stable, 2 workers. Rates over the last 2.0s.',
        '',
        'QUEUE   LAG   RETRY  DELAYED  DEAD  WORKERS  RATE    DRAIN  STATUS',
        'orders  1200  3      25       0     2        40.0/s  30s    ALERT lag 1200 > 1000',
        'emails  -     -      -        0     0        -       -      ok',
        '',
        'TOPIC         PARTITION  END  COMMITTED  LAG',
        'orders        0          800  200        600',
        'orders        1          700  100        600',
        'orders-retry  0          3    0          3',
        'orders-retry  1          0    -          -',
        'emails        0          5    -          -',
        '',
        'WORKER  HOST      PID   CLIENT  PARTITIONS',
        'kq-b2   10.0.0.2  -     kq      orders[1] orders-retry[1]',
        'kq-a1   web-1     4242  kq      orders[0] orders-retry[0]',
      ].join('\n'),
    )
  })

  it('marks a paused queue in its row', () => {
    const paused = {...snapshot, thresholds: {}, queues: snapshot.queues.map((queue) => (queue.queue === 'emails' ? {...queue, paused: {at: '2026-11-26T17:30:00.000Z', by: 'ops-1:77'}} : queue))}
    const rows = renderStatus(paused, {styles: PLAIN, brief: true}).split('\n')
    assert.match(rows.at(-1)!, /^emails \(paused\) +- /)
    assert.match(rows.at(-2)!, /^orders {2,}1200/)
  })

  it('says "no DESCRIBE" where the principal may not describe the retry, delay or dead-letter topic, not a dash that reads as none', () => {
    const hidden = {
      ...snapshot,
      thresholds: {},
      queues: snapshot.queues.map((queue) =>
        queue.queue === 'emails' ? {...queue, pendingDeadLetters: null, undescribable: ['emails-retry', 'emails-delay-1h', 'emails-dlt']} : queue,
      ),
    }
    const rows = renderStatus(hidden, {styles: PLAIN, brief: true}).split('\n')
    assert.match(rows.at(-1)!, /^emails +- +no DESCRIBE +no DESCRIBE +no DESCRIBE +0 +- +-$/)
    assert.match(rows.at(-2)!, /^orders +1200 +3 +25 +0 /)
  })

  it('prints a warning under the queue table for each topic below its min.insync.replicas', () => {
    const warned = {...snapshot, thresholds: {}, queues: snapshot.queues.map((queue) => (queue.queue === 'emails' ? {...queue, warnings: ['topic emails has 3 replicas but min.insync.replicas=1']} : queue))}
    const rows = renderStatus(warned, {styles: PLAIN, brief: true}).split('\n')
    assert.deepEqual(rows.slice(-2), ['', 'Warning: topic emails has 3 replicas but min.insync.replicas=1'])
  })

  it('colours ALERT red and ok green on a terminal', () => {
    const text = renderStatus(snapshot, {styles: COLOUR, brief: true})
    assert.ok(text.includes(`${RED}ALERT lag 1200 > 1000`), text)
    assert.ok(text.includes(`${GREEN}ok`), text)
  })

  it('shows only the queue table with --brief, and no status column without thresholds', () => {
    const text = renderStatus({...snapshot, thresholds: {}}, {styles: PLAIN, brief: true})
    assert.deepEqual(text.split('\n'), [
      'Group kq-workers: Stable, 2 workers. Rates over the last 2.0s.',
      '',
      'QUEUE   LAG   RETRY  DELAYED  DEAD  WORKERS  RATE    DRAIN',
      'orders  1200  3      25       0     2        40.0/s  30s',
      'emails  -     -      -        0     0        -       -',
    ])
  })

  it('lists the batches not yet ended under the queues, ten at most, and nothing when none runs', () => {
    const running = (index: number) => ({
      id: `0192f5a0-7c1e-7abc-9def-0123456789${String(index).padStart(2, '0')}`,
      total: 5,
      pending: 2,
      done: 3,
      failed: 0,
      allowFailures: false,
      callbacks: {},
      failedJobs: [],
      status: 'running' as const,
    })
    const text = renderStatus({...snapshot, batches: [{...running(0), name: 'album 1', failed: 1, pending: 0, status: 'ending'}, running(1)]}, {styles: PLAIN, brief: true})
    assert.deepEqual(text.split('\n').slice(-3), [
      'Batches running: 2',
      '  0192f5a0-7c1e-7abc-9def-012345678900 (album 1): 0 of 5 pending, 1 failed, ending',
      '  0192f5a0-7c1e-7abc-9def-012345678901: 2 of 5 pending, 0 failed',
    ])
    const many = renderStatus({...snapshot, batches: Array.from({length: 12}, (_, index) => running(index))}, {styles: PLAIN, brief: true})
    assert.match(many, /\n {2}and 2 more: kq batch:list --running$/)
    assert.doesNotMatch(renderStatus({...snapshot, batches: []}, {styles: PLAIN, brief: true}), /Batches/)
  })

  it('says what an empty or unknown group means, and when there are no queues', () => {
    const empty = {...snapshot, rateWindowSeconds: null, queues: [], group: {id: 'kq-workers', state: 'Empty', members: []}}
    assert.equal(renderStatus(empty, {styles: PLAIN}), 'Group kq-workers: Empty (no workers running).\n\nNo queues yet: create one with `kq topic:create`.')
    const dead = renderStatus({...empty, group: {id: 'g', state: 'Dead', members: []}}, {styles: PLAIN})
    assert.match(dead, /^Group g: Dead \(Kafka knows no such group: no worker has joined it\)\.$/m)
  })

  it('lists a member’s partitions by topic in name order, and a member still joining as holding none yet', () => {
    assert.equal(describePartitions([{topic: 'b', partition: 2}, {topic: 'a', partition: 1}, {topic: 'b', partition: 0}], 'none yet'), 'a[1] b[0,2]')
    assert.equal(describePartitions([], 'none yet'), 'none yet')
  })

  it('redraws a --watch frame in place: cursor home, each line cleared to its end, then the rest of the screen', () => {
    assert.equal(terminalFrame('one\ntwo'), '\u001B[Hone\u001B[K\ntwo\u001B[K\n\u001B[J')
    assert.equal(watchHeader(new Date(2026, 10, 26, 17, 30, 1), 5), 'Every 5s: kq status (Ctrl-C to stop)   2026-11-26 17:30:01')
  })

  describe('--watch refreshes', () => {
    const down = {error: new BrokerUnreachableError(['127.0.0.1:9092'], 'connection refused'), time: new Date('2026-11-26T17:30:06.000Z')}
    const changes = {raised: [], cleared: []}

    it('are one JSON object per line with --json, a failed one as {time, error}', () => {
      const line = renderRefresh({snapshot, changes}, {json: true, terminal: false, intervalSeconds: 5})
      assert.deepEqual(JSON.parse(line), snapshot)
      assert.ok(line.endsWith('}\n') && !line.slice(0, -1).includes('\n'))
      assert.deepEqual(JSON.parse(renderRefresh(down, {json: true, terminal: false, intervalSeconds: 5})), {
        time: '2026-11-26T17:30:06.000Z',
        error: {name: 'BrokerUnreachableError', message: down.error.message, exitCode: ExitCode.Unreachable},
      })
    })

    it('are snapshots under their header, one after another, off a terminal; a failed one says why', () => {
      const text = renderRefresh({snapshot, changes}, {json: false, terminal: false, intervalSeconds: 5, brief: true, styles: PLAIN})
      assert.match(text, /^Every 5s: kq status \(Ctrl-C to stop\) {3}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n\nGroup kq-workers: Stable/)
      assert.ok(text.endsWith('ALERT lag 1200 > 1000\nemails  -     -      -        0     0        -       -      ok\n\n'), text)
      assert.match(renderRefresh(down, {json: false, terminal: false, intervalSeconds: 5, styles: PLAIN}), /\n\nError: cannot reach Kafka at 127\.0\.0\.1:9092 \(connection refused\)/)
    })

    it('are redrawn frames on a terminal', () => {
      assert.ok(renderRefresh({snapshot, changes}, {json: false, terminal: true, intervalSeconds: 5, styles: PLAIN}).startsWith('\u001B[HEvery 5s: kq status'))
    })

    it('end with the exit code of the last one shown: 0, 3 in alert, or its error’s', () => {
      assert.equal(watchExitCode(undefined), 0)
      assert.equal(watchExitCode({snapshot: {...snapshot, alert: false}, changes}), 0)
      assert.equal(watchExitCode({snapshot, changes}), ExitCode.Alert)
      assert.equal(watchExitCode(down), ExitCode.Unreachable)
    })
  })
})
