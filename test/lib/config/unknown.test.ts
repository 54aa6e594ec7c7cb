import {strict as assert} from 'node:assert'

import {unknownVariableWarnings} from '../../../src/lib/config/unknown.js'

describe('settings kq would ignore', () => {
  it('names every unknown KAFKA_ or KQ_ setting of the env file, with the one it most likely meant', () => {
    assert.deepEqual(unknownVariableWarnings({KAFKA_PARTITONS: '6', KQ_JOB_DIR: 'jobs', KQ_SOMETHING_ELSE: '1', KAFKA_PARTITIONS: '3', OTHER: 'x'}, '.env', {}), [
      'KAFKA_PARTITONS in .env is not a kq setting, and is ignored: did you mean KAFKA_PARTITIONS?',
      'KQ_JOB_DIR in .env is not a kq setting, and is ignored: did you mean KQ_JOBS_DIR?',
      'KQ_SOMETHING_ELSE in .env is not a kq setting, and is ignored',
    ])
  })

  it('names only near misses in the environment, where other tools keep variables of their own', () => {
    const env = {KAFKA_BROKER: 'x:1', KAFKA_HEAP_OPTS: '-Xmx1g', KAFKA_CLUSTER_NAME: 'prod', KAFKA_BROKERS: 'x:1', PATH: '/bin'}
    assert.deepEqual(unknownVariableWarnings({}, '.env', env), [
      'KAFKA_BROKER in the environment is not a kq setting, and is ignored: did you mean KAFKA_BROKERS?',
    ])
  })

  it('says nothing when every setting is known', () => {
    assert.deepEqual(unknownVariableWarnings({KAFKA_BROKERS: 'a:1', KQ_JOBS_DIR: 'jobs'}, '.env', {KAFKA_QUEUE: 'q'}), [])
  })
})
