import {strict as assert} from 'node:assert'

import {RenewingProducer} from '../../../../src/lib/kafka/kafkajs/renewing-producer.js'

/** A stand-in producer that records its life: which one a send used is all these tests read. */
class Made {
  connected = false
  disconnected = false
  constructor(
    readonly id: number,
    private readonly refuseConnect = false,
  ) {}

  async connect(): Promise<void> {
    if (this.refuseConnect) throw new Error(`producer ${this.id} could not connect`)
    this.connected = true
  }

  async disconnect(): Promise<void> {
    this.disconnected = true
  }
}

function producers(refuseConnect: number[] = []) {
  const made: Made[] = [new Made(0)]
  const renewing = new RenewingProducer<Made>(made[0], () => {
    const next = new Made(made.length, refuseConnect.includes(made.length))
    made.push(next)
    return next
  })
  const used = async () => renewing.run(async (producer) => producer.id)
  const failing = async () =>
    renewing.run(async () => {
      throw new Error('Kafka did not answer')
    })
  return {made, renewing, used, failing}
}

describe('the producer a publisher sends with', () => {
  it('keeps sending on the first producer while its sends succeed', async () => {
    const {made, used} = producers()
    assert.deepEqual([await used(), await used(), await used()], [0, 0, 0])
    assert.equal(made.length, 1)
  })

  it('starts its first producer on its first send when made without one, once for sends side by side', async () => {
    const made: Made[] = []
    const renewing = new RenewingProducer<Made>(undefined, () => {
      const next = new Made(made.length)
      made.push(next)
      return next
    })
    assert.equal(made.length, 0, 'nothing is started before a send')
    const ids = await Promise.all([1, 2, 3].map(async () => renewing.run(async (producer) => producer.id)))
    assert.deepEqual(ids, [0, 0, 0])
    assert.equal(made.length, 1)
    assert.ok(made[0].connected)
  })

  it('sends after a failed send on a new producer, connected first, and lets the old one go', async () => {
    const {made, used, failing} = producers()
    await assert.rejects(failing(), /did not answer/)
    assert.equal(await used(), 1)
    assert.ok(made[1].connected)
    assert.ok(made[0].disconnected)
    assert.equal(await used(), 1)
  })

  it('gives every send waiting for the new producer the same one', async () => {
    const {made, used, failing} = producers()
    await assert.rejects(failing())
    assert.deepEqual(await Promise.all([used(), used(), used()]), [1, 1, 1])
    assert.equal(made.length, 2)
  })

  it('tries another new producer on the next send when the last one could not connect', async () => {
    const {made, used, failing} = producers([1])
    await assert.rejects(failing())
    await assert.rejects(used(), /producer 1 could not connect/)
    assert.ok(made[1].disconnected)
    assert.equal(await used(), 2)
  })

  it('keeps the new producer when a send made before it was needed fails afterwards', async () => {
    const {made, renewing, used, failing} = producers()
    let failLate!: (error: Error) => void
    const late = renewing.run(async () => new Promise((_, reject) => (failLate = reject)))
    await assert.rejects(failing())
    assert.equal(await used(), 1)
    failLate(new Error('answered too late'))
    await assert.rejects(late)
    assert.equal(await used(), 1)
    assert.equal(made.length, 2)
  })

  it('disconnects the producer in use when closed', async () => {
    const {made, renewing} = producers()
    await renewing.disconnect()
    assert.ok(made[0].disconnected)
  })
})
