import {strict as assert} from 'node:assert'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {UsageError} from '../../../src/lib/errors.js'
import {
  defaultKqCommand,
  partitionWarnings,
  splitCommandLine,
  stopWaitSeconds,
  workArguments,
} from '../../../src/lib/supervisor/index.js'

describe('process manager options', () => {
  describe('workArguments', () => {
    it('names the queues and passes only the flags that were given', () => {
      assert.deepEqual(workArguments(['orders'], {}), ['work', 'orders'])
      assert.deepEqual(workArguments(['high', 'default'], {tries: 3, retryInPlace: false, fromBeginning: true}), [
        'work',
        'high,default',
        '--tries=3',
        '--from-beginning',
      ])
    })

    it('passes on every worker setting a process manager may, then where Kafka, the jobs and the .env are', () => {
      const work = {
        tries: 3,
        backoff: [1, 5, 10],
        timeout: 120,
        concurrency: 8,
        prefetch: 64,
        retryInPlace: true,
        maxJobs: 100,
        maxTime: 3600,
        memory: 512,
        group: 'billing',
        fromBeginning: true,
        sessionTimeout: 30,
        brokerTimeout: 90,
        brokers: ['k1:9092', 'k2:9092'],
        jobsDir: '/srv/app/jobs',
        envFile: '/srv/app/.env.production',
      }
      assert.deepEqual(workArguments(['orders'], work), [
        'work',
        'orders',
        '--tries=3',
        '--backoff=1,5,10',
        '--timeout=120',
        '--concurrency=8',
        '--prefetch=64',
        '--retry-in-place',
        '--max-jobs=100',
        '--max-time=3600',
        '--memory=512',
        '--group=billing',
        '--from-beginning',
        '--session-timeout=30',
        '--broker-timeout=90',
        '--brokers=k1:9092,k2:9092',
        '--jobs-dir=/srv/app/jobs',
        '--dotenv=/srv/app/.env.production',
      ])
    })
  })

  describe('stopWaitSeconds', () => {
    it('is kq work’s timeout (60 by default) plus 30 seconds, unless given', () => {
      assert.equal(stopWaitSeconds({work: {}}), 90)
      assert.equal(stopWaitSeconds({work: {timeout: 5}}), 35)
      assert.equal(stopWaitSeconds({work: {timeout: 5}, stopWait: 600}), 600)
    })
  })

  describe('splitCommandLine', () => {
    it('splits --command as a POSIX shell would', () => {
      assert.deepEqual(splitCommandLine('npx kq'), ['npx', 'kq'])
      assert.deepEqual(splitCommandLine('  /usr/bin/node   "/srv/my app/kq.js" '), ['/usr/bin/node', '/srv/my app/kq.js'])
      assert.deepEqual(splitCommandLine(`'/opt/it'"'"'s/node' a\\ b "say \\"hi\\"" ''`), ["/opt/it's/node", 'a b', 'say "hi"', ''])
    })

    it('refuses an unclosed quote, a lone backslash and an empty command with one line', () => {
      assert.throws(() => splitCommandLine('node "kq'), /^UsageError: --command has an unclosed " quote: "node \\"kq"$/)
      assert.throws(() => splitCommandLine('node kq\\'), /^UsageError: --command ends with a lone backslash/)
      assert.throws(() => splitCommandLine('   '), UsageError)
    })
  })

  describe('defaultKqCommand', () => {
    let dir: string
    const running = '/opt/kq'

    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'kq-command-'))
    })

    afterEach(() => {
      rmSync(dir, {recursive: true, force: true})
    })

    function install(root: string): string {
      const bin = path.join(root, 'bin', 'run.js')
      mkdirSync(path.dirname(bin), {recursive: true})
      writeFileSync(bin, '')
      return bin
    }

    it('runs the application’s own kq with this Node, by absolute paths', () => {
      const bin = install(path.join(dir, 'node_modules', 'kq'))
      install(path.join(dir, 'elsewhere'))
      assert.deepEqual(defaultKqCommand({directory: dir, runningRoot: path.join(dir, 'elsewhere'), execPath: '/usr/bin/node'}), {
        command: ['/usr/bin/node', '--', bin],
      })
    })

    it('runs the kq running now when the application has none', () => {
      const root = path.join(dir, 'global', 'kq')
      const bin = install(root)
      assert.deepEqual(defaultKqCommand({directory: dir, runningRoot: root, execPath: '/usr/bin/node'}), {
        command: ['/usr/bin/node', '--', bin],
      })
    })

    it('falls back to npx, with a warning, for a folder of another machine or a kq in npx’s cache', () => {
      const elsewhere = defaultKqCommand({directory: '/no/such/app', runningRoot: running, execPath: '/usr/bin/node'})
      assert.deepEqual(elsewhere, {
        command: ['npx', 'kq'],
        warning: 'kq is not installed in /no/such/app here: the workers will run `npx kq`; pass --command to choose',
      })
      const cached = path.join(dir, '_npx', '1234', 'node_modules', 'kq')
      install(cached)
      assert.deepEqual(defaultKqCommand({directory: dir, runningRoot: cached}).command, ['npx', 'kq'])
    })
  })

  describe('partitionWarnings', () => {
    const topics = (entries: Array<[string, number]>) =>
      new Map(entries.map(([name, partitions]) => [name, {name, partitions, replicationFactor: 1}]))

    it('says how many workers would idle when there are more workers than partitions', () => {
      assert.deepEqual(partitionWarnings(['orders'], topics([['orders', 3]]), 8), [
        '8 workers for 3 partitions of orders: 5 would idle; lower --procs to 3 or give the topic more partitions',
      ])
    })

    it('counts the partitions of several queues as the largest of them: a worker takes partition p of every queue', () => {
      assert.deepEqual(partitionWarnings(['high', 'default'], topics([['high', 1], ['default', 2]]), 4), [
        '4 workers for high, default, of 1 and 2 partitions: each worker takes the same partition of every queue, so 2 would idle; lower --procs to 2 or give the topics more partitions',
      ])
      assert.deepEqual(partitionWarnings(['high', 'default', 'low'], topics([['high', 2], ['default', 2], ['low', 2]]), 4), [
        '4 workers for high, default, low, of 2, 2 and 2 partitions: each worker takes the same partition of every queue, so 2 would idle; lower --procs to 2 or give the topics more partitions',
      ])
      assert.deepEqual(partitionWarnings(['high', 'default'], topics([['high', 1], ['default', 4]]), 4), [])
    })

    it('says nothing when every worker can have a partition', () => {
      assert.deepEqual(partitionWarnings(['orders'], topics([['orders', 8]]), 8), [])
      assert.deepEqual(partitionWarnings(['orders'], topics([['orders', 12]]), 8), [])
    })

    it('names a queue topic that does not exist, and how to create it', () => {
      assert.deepEqual(partitionWarnings(['orders'], topics([]), 8), [
        'topic orders does not exist: create it with `kq topic:create orders --partitions 8`',
      ])
    })
  })
})
