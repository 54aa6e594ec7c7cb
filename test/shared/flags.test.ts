import {strict as assert} from 'node:assert'

import {Parser} from '@oclif/core'

import {UsageError} from '../../src/lib/errors.js'
import {workArguments} from '../../src/lib/supervisor/index.js'
import {PROCESS_MANAGER_SETTING_NAMES, WORKER_SETTING_NAMES} from '../../src/lib/worker/settings.js'
import {CONFIG_FLAGS, deadLetterSelection, withDefaultValue, workerFlags, workerSettingsFromFlags} from '../../src/shared/flags.js'

describe('worker flags', () => {
  it('gives kq work a flag for every worker setting, and make:supervisor one for each it passes on', () => {
    assert.deepEqual(Object.keys(workerFlags(WORKER_SETTING_NAMES)), [
      'tries',
      'backoff',
      'timeout',
      'concurrency',
      'prefetch',
      'retry-in-place',
      'unknown-job-grace',
      'rest',
      'force',
      'name',
      'max-jobs',
      'max-time',
      'memory',
      'stop-when-empty',
      'group',
      'from-beginning',
      'session-timeout',
      'metrics-port',
      'metrics-host',
      'broker-timeout',
    ])
    assert.ok(!('stop-when-empty' in workerFlags(PROCESS_MANAGER_SETTING_NAMES)))
    assert.ok(!('force' in workerFlags(PROCESS_MANAGER_SETTING_NAMES)), "make:supervisor's own --force overwrites its file")
  })

  it('describes each flag with its default, or with the variable it overrides', () => {
    const flags = workerFlags(WORKER_SETTING_NAMES)
    assert.equal(flags.tries.description, 'Tries per job unless the job class says (default 1).')
    assert.equal(flags.prefetch.description, 'Jobs fetched ahead of the running ones, at most (default 10 x concurrency, at least 1000).')
    assert.equal(flags.group.description, 'Consumer group (overrides KAFKA_CONSUMER_GROUP).')
    assert.equal(flags['max-jobs'].description, 'Stop after this many jobs.')
    assert.equal(flags['retry-in-place'].description, 'Retry where the job is, keeping strict order per key.')
  })

  it('keeps each setting’s short name, type and limits', async () => {
    const flags = workerFlags(WORKER_SETTING_NAMES)
    assert.deepEqual([flags.concurrency.char, flags.group.char], ['c', 'g'])
    assert.deepEqual([flags.group.type, flags['from-beginning'].type], ['option', 'boolean'])
    const parse = (argv: string[]) => Parser.parse(argv, {flags})
    assert.equal((await parse(['-c', '1000'])).flags.concurrency, 1000)
    for (const argv of [['-c', '0'], ['-c', '1001'], ['--memory=15'], ['--session-timeout=5'], ['--tries=0']]) {
      await assert.rejects(parse(argv), /Expected an integer/, argv.join(' '))
    }
  })

  it('puts them under a help group when asked', () => {
    assert.equal(workerFlags(PROCESS_MANAGER_SETTING_NAMES, 'KQ WORK').tries.helpGroup, 'KQ WORK')
    assert.equal(workerFlags(WORKER_SETTING_NAMES).tries.helpGroup, undefined)
  })

  it('lets --group override KAFKA_CONSUMER_GROUP, as the settings table says', () => {
    assert.equal(CONFIG_FLAGS.group, 'KAFKA_CONSUMER_GROUP')
  })

  describe('workerSettingsFromFlags', () => {
    it('reads the flags given as settings, a backoff list as seconds, and leaves out those not given', () => {
      const flags = {'max-jobs': 5, backoff: '1,5,10', 'retry-in-place': true, tries: undefined, json: true}
      assert.deepEqual(workerSettingsFromFlags(WORKER_SETTING_NAMES, flags), {maxJobs: 5, backoff: [1, 5, 10], retryInPlace: true})
    })

    it('refuses a bad backoff list as a usage error', () => {
      assert.throws(() => workerSettingsFromFlags(WORKER_SETTING_NAMES, {backoff: '1,x'}), UsageError)
    })

    it('reads back, as the same settings, the command line a process manager is given', async () => {
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
      }
      const [, , ...argv] = workArguments(['orders'], work)
      const {flags} = await Parser.parse(argv, {flags: workerFlags(WORKER_SETTING_NAMES), strict: true})
      assert.deepEqual(workerSettingsFromFlags(WORKER_SETTING_NAMES, flags), work)
    })
  })
})

describe('withDefaultValue', () => {
  it('gives a bare flag its default value, and leaves a flag with a value alone', () => {
    assert.deepEqual(withDefaultValue(['--sasl'], '--sasl', 'plain'), ['--sasl', 'plain'])
    assert.deepEqual(withDefaultValue(['--sasl', '--json'], '--sasl', 'plain'), ['--sasl', 'plain', '--json'])
    assert.deepEqual(withDefaultValue(['--sasl', 'scram-sha-512'], '--sasl', 'plain'), ['--sasl', 'scram-sha-512'])
    assert.deepEqual(withDefaultValue(['--sasl=scram-sha-256'], '--sasl', 'plain'), ['--sasl=scram-sha-256'])
  })
})

describe('deadLetterSelection', () => {
  it('refuses an empty --job or --id, as an unset shell variable gives them, rather than select every dead letter', () => {
    assert.throws(() => deadLetterSelection({job: ''}), {name: 'UsageError', message: '--job must not be empty: give a job class name, or leave --job out'})
    assert.throws(() => deadLetterSelection({id: ['0:1', '']}), {
      name: 'UsageError',
      message: '--id must not be empty: give a job id or a <partition>:<offset> from `kq dlt:list`, or leave --id out',
    })
    assert.deepEqual(deadLetterSelection({job: 'SendEmail', id: ['0:1']}), {job: 'SendEmail', ids: ['0:1']})
  })
})
