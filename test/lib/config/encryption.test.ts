import {strict as assert} from 'node:assert'
import {randomBytes} from 'node:crypto'

import {ConfigError} from '../../../src/lib/errors.js'
import {loadConfig} from '../../../src/lib/config/index.js'
import {encryptionKey} from '../../../src/lib/envelope/index.js'
import {envFile} from '../../support/cli.js'

describe('KQ_ENCRYPTION_KEY and KQ_ENCRYPTION_OLD_KEYS', () => {
  const current = randomBytes(32)
  const old = [randomBytes(32), randomBytes(32)]

  it('gives the current key and the former ones, by their ids', () => {
    const config = loadConfig({env: {KQ_ENCRYPTION_KEY: current.toString('base64'), KQ_ENCRYPTION_OLD_KEYS: old.map((key) => `base64:${key.toString('base64')}`).join(', ')}})
    assert.equal(config.encryption?.current.id, encryptionKey(current).id)
    assert.deepEqual(config.encryption?.old.map((key) => key.id), old.map((key) => encryptionKey(key).id))
  })

  it('has no keys when none are set', () => {
    assert.equal(loadConfig({env: {}}).encryption, undefined)
  })

  it('names a bad key in .env in one line, without its value', () => {
    const file = envFile({KQ_ENCRYPTION_KEY: 'not-a-key-at-all'})
    assert.throws(
      () => loadConfig({env: {}, envFile: file}),
      (error: Error) => error instanceof ConfigError && error.message === 'KQ_ENCRYPTION_KEY (from .env) must be 32 random bytes in base64, as `openssl rand -base64 32` prints them (the value is not shown)',
    )
  })

  it('names which old key is bad, without showing any', () => {
    const bad = randomBytes(16).toString('base64')
    const env = {KQ_ENCRYPTION_KEY: current.toString('base64'), KQ_ENCRYPTION_OLD_KEYS: `${old[0].toString('base64')},${bad}`}
    assert.throws(() => loadConfig({env}), (error: Error) => error.message.includes('the 2nd (values are not shown)') && !error.message.includes(bad))
  })

  it('refuses old keys without a current one', () => {
    assert.throws(() => loadConfig({env: {KQ_ENCRYPTION_OLD_KEYS: old[0].toString('base64')}}), /KQ_ENCRYPTION_OLD_KEYS \(from the environment\) is set but KQ_ENCRYPTION_KEY is not/)
  })
})
