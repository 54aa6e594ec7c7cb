import {setTimeout as sleep} from 'node:timers/promises'

import {type Connectable} from './renewing-producer.js'
import {isOneBrokerRefusing} from './errors.js'

/** The first pause between tries, doubled after each up to the longest. */
const FIRST_PAUSE_MS = 250
const LONGEST_PAUSE_MS = 2000

/**
 * Connects a new idempotent producer, and another after a refusal by one broker of several.
 *
 * kafkajs asks the broker its metadata names as the cluster's controller for the producer id,
 * and gives up at once when that broker refuses the connection. A KRaft cluster names a broker
 * picked at random among those it counts alive, and counts a broker killed -9 alive until its
 * session ends (about 9 s): a dispatch in those seconds failed one time in three on three nodes,
 * while the send itself would have gone through the new leaders. A new producer reads the
 * metadata again, so its pick is new too. Every other failure, and a refusal that lasts until
 * `giveUpAt`, is thrown as it came.
 */
export async function startProducer<P extends Connectable>(
  create: () => P,
  options: {
    /** Brokers the client bootstraps from: a refusal by all of them is no cluster, not one broker down. */
    brokers: string[]
    /** True once any broker took a connection: one refusing then is not the whole cluster. */
    reachedAny: () => boolean
    /** Epoch ms after which a refusal is final (kept clear of the caller's own deadline). */
    giveUpAt: number
    /** Called with each producer before it connects, so that a caller's abandon can end it. */
    starting?: (producer: P) => void
    /** True once the caller stopped waiting: no new producer is made after that. */
    abandoned?: () => boolean
  },
): Promise<P> {
  for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, LONGEST_PAUSE_MS)) {
    const producer = create()
    options.starting?.(producer)
    try {
      await producer.connect()
      return producer
    } catch (error) {
      await producer.disconnect().catch(() => {})
      const retry =
        !options.abandoned?.() &&
        options.reachedAny() &&
        isOneBrokerRefusing(error, options.brokers) &&
        Date.now() + pause < options.giveUpAt
      if (!retry) throw error
      await sleep(pause)
    }
  }
}
