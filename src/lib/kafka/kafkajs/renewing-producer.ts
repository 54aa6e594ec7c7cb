import {type Producer} from 'kafkajs'

/** What a RenewingProducer needs of a producer beyond the sends its caller makes. */
export interface Connectable {
  connect(): Promise<void>
  disconnect(): Promise<void>
}

/**
 * The idempotent producer a publisher sends with, replaced by a new one after any failed send.
 *
 * kafkajs numbers each partition's batches, so that Kafka drops a batch it has already written
 * (a retry then never writes twice), and takes a failed request's numbers back whether or not
 * Kafka wrote it. A request Kafka wrote but did not answer (its broker killed or stopped
 * meanwhile), or wrote in part (another partition of it refused), leaves the next batch of that
 * partition with the numbers of the one written: Kafka answers it as a duplicate, with the
 * written batch's offset, and drops it. A retry record, a dead letter or a job was then
 * acknowledged and never written. A new producer gets a new producer id whose numbers Kafka has
 * seen nowhere; what its caller sends again may be written twice, which runs a job again
 * rather than lose it.
 */
export class RenewingProducer<P extends Connectable = Producer> {
  private current: P | undefined
  /** Set once a send on `current` failed (its numbers may no longer be Kafka's), or before the first. */
  private stale: boolean
  private renewing?: Promise<P>
  /** The new producer while it connects, so that a close can end it too. */
  private connecting?: P
  private closed = false

  /** @param first a connected producer; without, the first send connects one. */
  constructor(
    first: P | undefined,
    private readonly create: () => P,
  ) {
    this.current = first
    this.stale = first === undefined
  }

  /** Runs `send` on a producer that no failed send has used. */
  async run<T>(send: (producer: P) => Promise<T>): Promise<T> {
    const producer = this.stale || this.current === undefined ? await this.renew() : this.current
    try {
      return await send(producer)
    } catch (error) {
      // A send failing on a producer already replaced leaves the new one as it is.
      if (producer === this.current) this.stale = true
      throw error
    }
  }

  async disconnect(): Promise<void> {
    this.closed = true
    await Promise.allSettled([this.current?.disconnect(), this.connecting?.disconnect()])
  }

  /** One new producer for every send waiting on it; when it cannot connect, the next send tries again. */
  private renew(): Promise<P> {
    this.renewing ??= this.connectNew().finally(() => {
      this.renewing = undefined
      this.connecting = undefined
    })
    return this.renewing
  }

  private async connectNew(): Promise<P> {
    const fresh = this.create()
    this.connecting = fresh
    try {
      await fresh.connect()
      if (this.closed) throw new Error('the producer was closed while it connected')
    } catch (error) {
      await fresh.disconnect().catch(() => {})
      throw error
    }

    const old = this.current
    this.current = fresh
    this.stale = false
    // kafkajs lets the old producer's sends under way finish before it disconnects.
    void old?.disconnect().catch(() => {})
    return fresh
  }
}
