import {strict as assert} from 'node:assert'

import {type PurgeResult} from '../../../src/lib/dead-letter/store.js'
import {newJobId} from '../../../src/lib/envelope/index.js'
import {ExitCode} from '../../../src/lib/errors.js'
import {kq, runKq, uniqueTopic} from '../../support/cli.js'
import {cursorOf, pendingOffsets, writeDeadLetters} from '../../support/dead-letters.js'
import {isUtilLinuxScript, kqOnTerminal} from '../../support/terminal.js'
import {createQueue, endOffsetTotal} from '../../support/topics.js'

const HOUR = 3_600_000

describe('kq dlt:purge', function () {
  this.timeout(60_000)

  const purge = async (queue: string, group: string, args: string[]) => {
    const {code, result, stderr, error} = await runKq<PurgeResult>(['dlt:purge', queue, '--group', group, '--yes', '--json', ...args])
    assert.equal(code, 0, `${stderr} ${error?.message}`)
    return result!
  }

  it('marks dead letters handled without sending anything, selected with --id, --job, --reason, --since and --limit', async () => {
    const queue = await createQueue('dlt-purge')
    const group = uniqueTopic('g')
    const ago = (hours: number) => new Date(Date.now() - hours * HOUR)
    const written = await writeDeadLetters(queue, [
      {raw: 'not a job', failedAt: ago(5)},
      {job: 'Alpha', failedAt: ago(4)},
      {job: 'Beta', reason: 'timeout', failedAt: ago(3)},
      {job: 'Alpha'},
      {job: 'Beta'},
      {job: 'Gamma'},
    ])
    const purged = async (args: string[]) => (await purge(queue, group, args)).purged.map((each) => each.deadLetter)
    assert.deepEqual(await purged(['--reason', 'malformed']), ['0:0'])
    assert.deepEqual(await purged(['--id', written[4].id!]), ['0:4'])
    assert.deepEqual(await purged(['--job', 'Alpha', '--since', '1h']), ['0:3'])
    assert.deepEqual(await purged(['--reason', 'timeout']), ['0:2'])
    assert.deepEqual(await purged(['--limit', '1']), ['0:1'])
    assert.deepEqual(await pendingOffsets(queue, group), [5])
    assert.deepEqual(await cursorOf(queue, group), [{partition: 0, offset: 5}])
    assert.equal(await endOffsetTotal(queue), 0)
  })

  it("forgets one dead letter named by its job id, as Laravel's queue:forget ID does", async () => {
    const queue = await createQueue('dlt-purge-forget')
    const group = uniqueTopic('g')
    const written = await writeDeadLetters(queue, [{}, {}])
    const {code, stdout, stderr} = await kq(['queue:forget', written[0].id!, '--group', group, '--yes', '--json'], {env: {KAFKA_QUEUE: queue}})
    assert.equal(code, 0, stderr)
    assert.deepEqual((JSON.parse(stdout) as PurgeResult).purged.map((each) => each.deadLetter), ['0:0'])
    assert.deepEqual(await pendingOffsets(queue, group), [1])
  })

  it('forgets several dead letters named by their job ids, naming the id it did not find, in JSON too', async () => {
    const queue = await createQueue('dlt-purge-ids')
    const group = uniqueTopic('g')
    const [first, second] = (await writeDeadLetters(queue, [{}, {}, {}])).map((written) => written.id!)
    const missing = newJobId()
    const {code, stdout, stderr} = await kq(['queue:forget', queue, second, missing, first, '--group', group, '--yes', '--json'])
    assert.equal(code, 0, stderr)
    const result = JSON.parse(stdout) as PurgeResult & {notFound: string[]}
    assert.deepEqual([result.purged.map((each) => each.deadLetter), result.notFound], [['0:0', '0:1'], [missing]])
    assert.deepEqual(await pendingOffsets(queue, group), [2])
  })

  it('says what it did, and what it would do with --dry-run, which leaves the cursor alone', async () => {
    const queue = await createQueue('dlt-purge-dry')
    const group = uniqueTopic('g')
    await writeDeadLetters(queue, [{}, {}])
    const dry = await kq(['dlt:purge', queue, '--group', group, '--dry-run'])
    assert.equal(dry.code, 0, dry.stderr)
    assert.match(dry.stdout, new RegExp(`^Would mark 2 dead letters of ${queue}-dlt handled \\(dry run: nothing was changed\\)\\n`))
    assert.deepEqual(await cursorOf(queue, group), [{partition: 0, offset: -1}])

    const done = await kq(['dlt:purge', queue, '--group', group, '--yes', '--id', '0:0'])
    assert.equal(done.code, 0, done.stderr)
    assert.match(done.stdout, new RegExp(`^Purged 1 dead letter from ${queue}-dlt: marked handled, not replayed\\n`))
    assert.deepEqual(await cursorOf(queue, group), [{partition: 0, offset: 1}])

    const json = await purge(queue, group, [])
    assert.deepEqual(json, {
      queue,
      topic: `${queue}-dlt`,
      group: `${group}-dlt`,
      dryRun: false,
      purged: [{id: json.purged[0].id, job: 'SendEmail', deadLetter: '0:1'}],
      alreadyHandled: [],
      cursor: [{partition: 0, offset: 2, metadata: null, handledBeyond: 0}],
    })
  })

  it('refuses, without a terminal, to purge unless --yes', async () => {
    const queue = await createQueue('dlt-purge-script')
    const group = uniqueTopic('g')
    await writeDeadLetters(queue, [{}])
    const {code, stderr} = await kq(['dlt:purge', queue, '--group', group])
    assert.equal(code, ExitCode.Usage)
    assert.match(stderr, /^Error: purging dead letters needs a confirmation, and there is no terminal to ask on: pass --yes/)
    assert.deepEqual(await pendingOffsets(queue, group), [0])
  })

  it('refuses a selection whose out-of-order stretches the cursor could not remember', async () => {
    const queue = await createQueue('dlt-purge-gaps')
    const group = uniqueTopic('g')
    await writeDeadLetters(queue, Array.from({length: 250}, (_, index) => ({job: index % 2 === 0 ? 'Even' : 'Odd'})))
    const {code, stderr} = await kq(['dlt:purge', queue, '--group', group, '--job', 'Odd', '--yes'])
    assert.equal(code, ExitCode.Usage)
    assert.equal(
      stderr,
      `Error: this selection would leave 125 separate stretches of handled dead letters after older pending ones on ${queue}-dlt partition 0, more than the 100 kq can remember: handle the older ones first, or select fewer (--since, --limit)\n`,
    )
    assert.deepEqual(await cursorOf(queue, group), [{partition: 0, offset: -1}])
    // The older ones first: then the same selection fits.
    await purge(queue, group, ['--job', 'Even', '--limit', '100'])
    assert.equal((await purge(queue, group, ['--job', 'Odd'])).purged.length, 125)
  })

  describe('on a terminal', () => {
    before(function () {
      if (!isUtilLinuxScript()) {
        process.stderr.write('      (no util-linux `script`: the interactive tests cannot get a pseudo-terminal)\n')
        this.skip()
      }
    })

    it('lets you tick all the dead letters, then asks before purging them', async () => {
      const queue = await createQueue('dlt-purge-tty')
      const group = uniqueTopic('g')
      await writeDeadLetters(queue, [{job: 'Alpha'}, {job: 'Beta'}])
      const terminal = kqOnTerminal(['dlt:purge', queue, '--group', group], process.cwd())
      await terminal.expect(/Dead letters to purge/)
      await terminal.expect(/Beta/)
      terminal.type('a')
      terminal.type('\r')
      await terminal.expect(/Purge 2 dead letters \(Alpha, Beta\) from /)
      terminal.type('y\r')
      assert.equal(await terminal.exited, 0, terminal.screen())
      assert.match(terminal.screen(), /Purged 2 dead letters/)
      assert.deepEqual(await pendingOffsets(queue, group), [])
    })
  })
})
