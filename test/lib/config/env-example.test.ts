import {strict as assert} from 'node:assert'
import {readFileSync} from 'node:fs'
import path from 'node:path'

import dotenv from 'dotenv'

import {VARIABLES, loadConfig} from '../../../src/lib/config/index.js'
import {REPO_ROOT} from '../../support/paths.js'

describe('.env.example', () => {
  const file = path.join(REPO_ROOT, '.env.example')
  const text = readFileSync(file, 'utf8')

  it('documents every variable kq reads', () => {
    const missing = VARIABLES.filter(({name}) => !new RegExp(`^#?\\s*${name}=`, 'm').test(text))
    assert.deepEqual(missing.map(({name}) => name), [])
  })

  it('mentions no variable kq does not read', () => {
    const known = new Set<string>(VARIABLES.map(({name}) => name))
    const mentioned = [...text.matchAll(/^#?\s*((?:KAFKA|KQ)_[A-Z_]+)=/gm)].map((match) => match[1])
    assert.deepEqual(mentioned.filter((name) => !known.has(name)), [])
  })

  it('loads as a valid configuration when copied to .env', () => {
    assert.deepEqual(Object.keys(dotenv.parse(text)).length > 0, true)
    const config = loadConfig({env: {}, envFile: file})
    assert.deepEqual(config.kafka.brokers, ['127.0.0.1:9092'])
  })

  it('gives the default queue the topic of its name, so that changing KAFKA_QUEUE moves the topic with it', () => {
    const config = loadConfig({env: {KAFKA_QUEUE: 'orders'}, envFile: file})
    assert.equal(config.topic, 'orders')
  })
})
