import {strict as assert} from 'node:assert'
import {randomBytes} from 'node:crypto'
import {execFile} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {encryptionKey} from '../../src/lib/envelope/index.js'
import {type TestApp, makeTestApp} from '../support/app.js'
import {kq} from '../support/cli.js'
import {kcat} from '../support/kcat.js'
import {kcatRecords, testBrokers} from '../support/topics.js'
import {createWorkedQueue} from '../support/worker.js'

/** An encrypted job that writes each payload it runs with to ran.ndjson, in the application's folder. */
const CHARGE_JOB = `import {appendFileSync} from 'node:fs'

import {Job} from 'kq'

export default class Charge extends Job<{card: string}> {
  override encrypted = true

  override async handle(payload: {card: string}): Promise<void> {
    appendFileSync(new URL('../../ran.ndjson', import.meta.url), JSON.stringify(payload) + '\\n')
  }
}
`

/** An encrypted job that always fails, its error quoting the payload, as errors often do. */
const DECLINE_JOB = `import {Job} from 'kq'

export default class Decline extends Job<{card: string}> {
  override encrypted = true
  override tries = 2
  override backoff = 0

  override async handle(payload: {card: string}): Promise<void> {
    throw new Error(\`card \${payload.card} declined\`)
  }
}
`

/**
 * Encrypted payloads on the test broker: what is on Kafka hides the payload, workers with the
 * key (or a former key during a rotation) run the job with the payload as dispatched, and a
 * message that does not decrypt, for want of the key or because it was changed, is
 * dead-lettered without running and stays encrypted there.
 */
describe('encrypted jobs (encrypted = true)', function () {
  this.timeout(120_000)
  const first = randomBytes(32).toString('base64')
  const second = randomBytes(32).toString('base64')
  const firstId = encryptionKey(Buffer.from(first, 'base64')).id
  const secondId = encryptionKey(Buffer.from(second, 'base64')).id
  let app: TestApp

  const run = (args: string[], keys: {key?: string; old?: string} = {}) =>
    kq(args, {cwd: app.root, env: {KAFKA_BROKERS: testBrokers(), KQ_ENCRYPTION_KEY: keys.key ?? '', KQ_ENCRYPTION_OLD_KEYS: keys.old ?? ''}})
  const ok = async (args: string[], keys: {key?: string; old?: string} = {}) => {
    const result = await run(args, keys)
    assert.equal(result.code, 0, result.stderr)
    return result
  }

  const work = (queue: string, group: string, keys: {key?: string; old?: string}) =>
    ok(['work', queue, '--group', group, '--from-beginning', '--stop-when-empty'], keys)
  const ran = () => (existsSync(path.join(app.root, 'ran.ndjson')) ? readFileSync(path.join(app.root, 'ran.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line)) : [])

  before(() => {
    app = makeTestApp({jobs: {Charge: CHARGE_JOB, Decline: DECLINE_JOB}, files: {'cards.ndjson': '{"card":"4242-bulk-one"}\n{"card":"4242-bulk-two"}\n'}})
    // Plain JavaScript, for a dispatching script run by Node: one encrypted job, one not.
    for (const [name, encrypted] of [['Vault', true], ['Receipt', false]] as const) {
      app.writeJob(
        `${name}.js`,
        `import {appendFileSync} from 'node:fs'
import {Job} from 'kq'

export default class ${name} extends Job {
  encrypted = ${encrypted}
  async handle(payload, ctx) {
    appendFileSync(new URL('../../chain-ran.ndjson', import.meta.url), JSON.stringify({job: ctx.job, payload}) + '\\n')
  }
}
`,
      )
    }
  })

  after(() => app?.remove())

  /**
   * Whether text shows one of the test's card numbers in the clear. The whole value is looked
   * for: '4242' alone turns up now and then in a random job id.
   */
  const showsACard = (text: string) => /4242-(?:single|bulk|rotated|unkeyed|original|step|declined)/.test(text)

  it('sends the payload encrypted, and a worker with the key, or with it among the old keys, runs it as dispatched', async () => {
    const {queue, group} = await createWorkedQueue('encrypted')
    await ok(['dispatch', 'Charge', '{"card":"4242-single"}', '--queue', queue], {key: first})
    await ok(['dispatch', 'Charge', '--ndjson', 'cards.ndjson', '--queue', queue], {key: first})
    // The key is rotated: new jobs use the second, the first still decrypts.
    await ok(['dispatch', 'Charge', '{"card":"4242-rotated"}', '--queue', queue], {key: second, old: first})

    const records = await kcatRecords(queue)
    assert.deepEqual(records.map((record) => record.headers['kq-key-id']), [firstId, firstId, firstId, secondId])
    for (const record of records) {
      assert.ok(!showsACard(record.payload), record.payload)
      assert.equal(JSON.parse(record.payload).payload, undefined)
    }

    await work(queue, group, {key: second, old: first})
    assert.deepEqual(ran().map((payload) => payload.card).sort(), ['4242-bulk-one', '4242-bulk-two', '4242-rotated', '4242-single'])
  })

  it('refuses to send an encrypted job without a key', async () => {
    const {code, stdout, stderr} = await run(['dispatch', 'Charge', '{"card":"x"}', '--queue', 'anything'])
    assert.equal(code, 4)
    assert.equal(stdout, '')
    assert.match(stderr, /^Error: job Charge is encrypted \(its class sets encrypted = true\) and KQ_ENCRYPTION_KEY is not set/)
  })

  it('dead-letters a job it has no key for, never running it; the dead letter stays encrypted and dlt:show decrypts it only with the key', async () => {
    const {queue, group} = await createWorkedQueue('encrypted-nokey')
    const before = ran().length
    await ok(['dispatch', 'Charge', '{"card":"4242-unkeyed"}', '--queue', queue], {key: first})
    await work(queue, group, {key: second})
    assert.equal(ran().length, before)

    const [letter] = await kcatRecords(`${queue}-dlt`)
    assert.equal(letter.headers['kq-dlt-reason'], 'undecryptable')
    assert.match(letter.headers['kq-error-message'], new RegExp(`encrypted with key ${firstId}, which this process does not have`))
    assert.ok(!showsACard(letter.payload), letter.payload)

    const id = JSON.parse(letter.payload).id as string
    const hidden = await ok(['dlt:show', id, '--queue', queue, '--group', group, '--json'], {key: second})
    const shown = JSON.parse(hidden.stdout)
    assert.equal(shown.payload, undefined)
    assert.deepEqual([shown.encryption.key, shown.encryption.decrypted], [firstId, false])
    assert.ok(!showsACard(hidden.stdout))
    const text = await ok(['dlt:show', id, '--queue', queue, '--group', group], {key: second})
    assert.match(text.stdout, new RegExp(`encrypted, not shown: the payload is encrypted with key ${firstId}`))

    const decrypted = await ok(['dlt:show', id, '--queue', queue, '--group', group], {key: second, old: first})
    assert.match(decrypted.stdout, /"card": "4242-unkeyed"/)
    assert.match(decrypted.stdout, /decrypted here, the dead letter stays encrypted/)
  })

  // An error's message and stack often quote the payload: they were written in the clear on the
  // retry record and the dead letter, for anyone who may read those topics.
  it('writes the error of an encrypted job encrypted on its retry and dead letter, and dlt:show opens it only with the key', async () => {
    const {queue, group} = await createWorkedQueue('encrypted-error')
    await ok(['dispatch', 'Decline', '{"card":"4242-declined"}', '--queue', queue], {key: first})
    await work(queue, group, {key: first})

    const [retry] = await kcatRecords(`${queue}-retry`)
    const [letter] = await kcatRecords(`${queue}-dlt`)
    for (const record of [retry, letter]) {
      assert.equal(record.headers['kq-error-class'], 'Error')
      assert.match(record.headers['kq-error-message'], /^kq-sealed:/)
      assert.ok(!showsACard(JSON.stringify(record.headers)), JSON.stringify(record.headers))
    }

    const listed = JSON.parse((await ok(['dlt:list', '--queue', queue, '--group', group, '--json'], {key: first})).stdout)
    assert.equal(listed.deadLetters[0].error.message, `(encrypted with key ${firstId})`)
    const id = JSON.parse(letter.payload).id as string
    const opened = JSON.parse((await ok(['dlt:show', id, '--queue', queue, '--group', group, '--json'], {key: first})).stdout)
    assert.equal(opened.error.message, 'card 4242-declined declined')
    assert.match(opened.error.stack, /^Error: card 4242-declined declined\n/)
    const closed = JSON.parse((await ok(['dlt:show', id, '--queue', queue, '--group', group, '--json'], {key: second})).stdout)
    assert.equal(closed.error.message, `(encrypted with key ${firstId}, which this process does not have)`)
  })

  it('dead-letters a message whose encrypted payload was changed, never running it', async () => {
    const {queue, group} = await createWorkedQueue('encrypted-tampered')
    await ok(['dispatch', 'Charge', '{"card":"4242-original"}', '--queue', queue], {key: first})
    const [original] = await kcatRecords(queue)
    const envelope = JSON.parse(original.payload)
    const data = Buffer.from(envelope.encrypted.data, 'base64')
    data[data.length - 1] ^= 0x01
    const tampered = JSON.stringify({...envelope, encrypted: {...envelope.encrypted, data: data.toString('base64')}})
    await kcat(['-b', testBrokers(), '-P', '-t', queue, '-H', 'kq-job=Charge', '-H', `kq-job-id=${envelope.id}`], `${tampered}\n`)

    const before = ran().length
    await work(queue, group, {key: first})
    assert.deepEqual(ran().slice(before).map((payload) => payload.card), ['4242-original'])
    const letters = await kcatRecords(`${queue}-dlt`)
    assert.equal(letters.length, 1)
    assert.equal(letters[0].headers['kq-dlt-reason'], 'undecryptable')
    assert.match(letters[0].headers['kq-error-message'], /does not authenticate under key/)
    assert.equal(letters[0].payload, tampered)
  })

  it('encrypts the payloads a chain carries for its encrypted jobs, in every job of the chain, and runs the chain to its end', async () => {
    const {queue, group} = await createWorkedQueue('encrypted-chain')
    const script = path.join(app.root, 'chain.mjs')
    writeFileSync(
      script,
      `import {chain, closeDispatch} from 'kq'
import Vault from './src/jobs/Vault.js'
import Receipt from './src/jobs/Receipt.js'

await chain([Vault.with({card: '4242-step-1'}), Receipt.with({note: 'public-2'}), Vault.with({card: '4242-step-3'})]).onQueue(${JSON.stringify(queue)}).dispatch()
await closeDispatch()
`,
    )
    const env = {...process.env, KAFKA_BROKERS: testBrokers(), KQ_ENCRYPTION_KEY: first}
    const stderr = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [script], {cwd: app.root, env, timeout: 30_000}, (error, _out, err) => (error ? reject(new Error(err)) : resolve(err)))
    })
    assert.equal(stderr, '')

    // The first job carries the whole chain: neither encrypted job's payload is readable in it.
    const [carrier] = await kcatRecords(queue)
    assert.ok(!showsACard(carrier.payload), carrier.payload)
    assert.deepEqual(JSON.parse(carrier.payload).chain.map((step: {job: string; payload?: unknown}) => [step.job, step.payload]), [['Receipt', {note: 'public-2'}], ['Vault', undefined]])

    await work(queue, group, {key: first})
    const chainRan = readFileSync(path.join(app.root, 'chain-ran.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line))
    assert.deepEqual(chainRan, [
      {job: 'Vault', payload: {card: '4242-step-1'}},
      {job: 'Receipt', payload: {note: 'public-2'}},
      {job: 'Vault', payload: {card: '4242-step-3'}},
    ])
    // The jobs the worker dispatched along the chain hide them as well.
    const records = await kcatRecords(queue)
    assert.equal(records.length, 3)
    for (const record of records) assert.ok(!showsACard(record.payload), record.payload)
    assert.equal(records[2].headers['kq-key-id'], firstId)
  })
})
