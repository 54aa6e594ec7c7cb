import {type Producer} from 'kafkajs'

import {RenewingProducer} from './renewing-producer.js'

/** Sends waiting for a lane's next request, and the lane's producer. */
export interface SendLane<W> {
  producer: RenewingProducer<Producer>
  waiting: W[]
  /** True while the lane has a request in flight or sends waiting. */
  flushing: boolean
}

/**
 * The send lanes of a publisher, each with a producer of its own: kafkajs's idempotent producer
 * sends one request at a time per broker, so at 1,000 dispatches a second to several partitions
 * each waited about half a round trip behind the request in flight.
 *
 * Which lane each send goes through: a partition with sends unanswered keeps its lane, so its
 * records keep their order; otherwise a send takes an idle lane, a new one while there are fewer
 * than `most`, or the one with the fewest waiting. A one-job dispatch uses the first lane only.
 */
export class SendLanes<W> {
  private readonly lanes: Array<SendLane<W>>
  /** The lane of each partition (`topic:partition`) with sends unanswered, and how many. */
  private readonly busy = new Map<string, {lane: SendLane<W>; sends: number}>()

  constructor(
    first: Producer,
    private readonly newProducer: () => Producer,
    /** The most lanes, the first included. */
    private readonly most = 1,
  ) {
    this.lanes = [{producer: new RenewingProducer(first, newProducer), waiting: [], flushing: false}]
  }

  /** The lane a batch of many partitions goes through, in one request. */
  get first(): SendLane<W> {
    return this.lanes[0]
  }

  /** The lane for one more send to a partition, and what to call once that send is answered. */
  take(topic: string, partition: number): {lane: SendLane<W>; answered: () => void} {
    const key = `${topic}:${partition}`
    let busy = this.busy.get(key)
    if (busy === undefined) {
      busy = {lane: this.freeLane(), sends: 0}
      this.busy.set(key, busy)
    }

    busy.sends++
    const taken = busy
    return {
      lane: taken.lane,
      answered: () => {
        if (--taken.sends === 0) this.busy.delete(key)
      },
    }
  }

  async disconnect(): Promise<void> {
    await Promise.allSettled(this.lanes.map(async (lane) => lane.producer.disconnect()))
  }

  private freeLane(): SendLane<W> {
    const idle = this.lanes.find((lane) => !lane.flushing)
    if (idle !== undefined) return idle
    if (this.lanes.length < this.most) {
      // Its producer starts on its first send, as one replacing a failed one does (RenewingProducer).
      const lane: SendLane<W> = {producer: new RenewingProducer(undefined, this.newProducer), waiting: [], flushing: false}
      this.lanes.push(lane)
      return lane
    }

    return this.lanes.reduce((least, lane) => (lane.waiting.length < least.waiting.length ? lane : least))
  }
}
