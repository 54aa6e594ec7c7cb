import {type Alert, type QueueStatus, type Thresholds} from './types.js'

/**
 * The thresholds a queue is past: lag above --max-lag, pending dead letters above --max-dead.
 * An unknown figure (no committed offset yet) crosses nothing.
 */
export function queueAlerts(figures: Pick<QueueStatus, 'lag' | 'pendingDeadLetters'>, thresholds: Thresholds): Alert[] {
  const alerts: Alert[] = []
  if (thresholds.maxLag !== undefined && figures.lag !== null && figures.lag > thresholds.maxLag) {
    alerts.push({kind: 'lag', value: figures.lag, threshold: thresholds.maxLag})
  }

  if (thresholds.maxDead !== undefined && figures.pendingDeadLetters !== null && figures.pendingDeadLetters > thresholds.maxDead) {
    alerts.push({kind: 'dead', value: figures.pendingDeadLetters, threshold: thresholds.maxDead})
  }

  return alerts
}

/** A queue and the threshold it is past: what a webhook is told about once. */
export interface Crossing {
  queue: string
  alert: Alert
}

export interface Crossings {
  /** Thresholds crossed since the last snapshot. */
  raised: Crossing[]
  /** Thresholds no longer crossed (the figure fell back, or the queue is gone). */
  cleared: Crossing[]
}

const keyOf = (crossing: Crossing) => `${crossing.queue}\u0000${crossing.alert.kind}`

/**
 * What changed between two snapshots' alerts. A queue that stays past a threshold is not raised
 * again, so a webhook hears once per crossing, not once per refresh; it hears again when the
 * queue recovers, and once more if it crosses anew.
 */
export function alertChanges(previous: Crossing[], current: Crossing[]): Crossings {
  const before = new Set(previous.map(keyOf))
  const now = new Set(current.map(keyOf))
  return {
    raised: current.filter((crossing) => !before.has(keyOf(crossing))),
    cleared: previous.filter((crossing) => !now.has(keyOf(crossing))),
  }
}

export function crossingsOf(queues: QueueStatus[]): Crossing[] {
  return queues.flatMap((queue) => queue.alerts.map((alert) => ({queue: queue.queue, alert})))
}
