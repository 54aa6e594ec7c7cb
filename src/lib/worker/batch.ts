import {FAILURE_HEADERS} from '../dead-letter/records.js'
import {type IncomingMessage} from '../kafka/index.js'

/** When a retry record may run, from its header; records without one are due at once. */
export function dueAt(headers: Record<string, string>): number {
  const value = headers[FAILURE_HEADERS.notBefore]
  const time = value === undefined ? Number.NaN : Date.parse(value)
  return Number.isNaN(time) ? 0 : time
}

/**
 * The indexes of a batch's records grouped by key, each group in offset order: records with one
 * key run one after another, different keys side by side. Records without a key promise no
 * order, so each is a group of its own.
 */
export function lanesByKey(messages: IncomingMessage[]): number[][] {
  const lanes = new Map<string, number[]>()
  const loose: number[][] = []
  for (const [index, message] of messages.entries()) {
    if (message.key === null) {
      loose.push([index])
      continue
    }

    const key = message.key.toString('base64')
    const lane = lanes.get(key)
    if (lane) lane.push(index)
    else lanes.set(key, [index])
  }

  return [...lanes.values(), ...loose]
}
