import {UsageError} from '../errors.js'
import {type Crossing, type Crossings} from './alerts.js'
import {type Alert, type QueueStatus, type StatusSnapshot} from './types.js'

/**
 * What `--webhook` receives: a Slack-compatible `text` for people (Slack, Mattermost, Rocket.Chat
 * and Teams workflows show it as the message), and the figures for machines.
 */
export interface WebhookPayload {
  text: string
  /** `alert` when a threshold was crossed, `resolved` when only recoveries are reported. */
  status: 'alert' | 'resolved'
  group: string
  time: string
  /** The queues concerned, with their current figures and the thresholds they are past. */
  queues: Array<Pick<QueueStatus, 'queue' | 'topic' | 'lag' | 'retryLag' | 'pendingDeadLetters' | 'drainSeconds' | 'alerts'>>
}

/** `lag 1200 > 1000`, `dead letters 5 > 0`: an alert in words, for the table and the webhook. */
export function alertText(alert: Alert): string {
  return `${alert.kind === 'lag' ? 'lag' : 'dead letters'} ${alert.value} > ${alert.threshold}`
}

/** The message for what changed, or undefined when nothing did. */
export function webhookPayload(snapshot: StatusSnapshot, changes: Crossings): WebhookPayload | undefined {
  if (changes.raised.length === 0 && changes.cleared.length === 0) return undefined
  const byQueue = new Map(snapshot.queues.map((queue) => [queue.queue, queue]))
  const lines: string[] = []
  if (changes.raised.length > 0) {
    lines.push(`kq alert (group ${snapshot.group.id}): ${changes.raised.map((each) => `${each.queue} ${alertText(each.alert)}`).join('; ')}`)
  }

  if (changes.cleared.length > 0) {
    lines.push(`kq resolved (group ${snapshot.group.id}): ${changes.cleared.map((each) => recovery(each, byQueue.get(each.queue))).join('; ')}`)
  }

  const names = new Set([...changes.raised, ...changes.cleared].map((each) => each.queue))
  return {
    text: lines.join('\n'),
    status: changes.raised.length > 0 ? 'alert' : 'resolved',
    group: snapshot.group.id,
    time: snapshot.time,
    queues: snapshot.queues
      .filter((queue) => names.has(queue.queue))
      .map(({queue, topic, lag, retryLag, pendingDeadLetters, drainSeconds, alerts}) => ({queue, topic, lag, retryLag, pendingDeadLetters, drainSeconds, alerts})),
  }
}

function recovery(crossing: Crossing, queue: QueueStatus | undefined): string {
  if (queue === undefined) return `${crossing.queue} is gone`
  const value = crossing.alert.kind === 'lag' ? queue.lag : queue.pendingDeadLetters
  const figure = crossing.alert.kind === 'lag' ? 'lag' : 'dead letters'
  return `${crossing.queue} ${figure} ${value ?? 'unknown'} (max ${crossing.alert.threshold})`
}

/** `--webhook`'s value as a URL; anything but http(s) is a usage error. */
export function webhookUrl(text: string): URL {
  let url: URL | undefined
  try {
    url = new URL(text)
  } catch {}

  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(`--webhook must be an http:// or https:// URL, got ${JSON.stringify(text)}`)
  }

  return url
}

/**
 * POSTs the payload as JSON. Throws an Error whose message names the receiver by its origin
 * only: a webhook URL's path is often its secret (Slack's are), and must not reach a log.
 */
export async function postWebhook(url: URL, payload: WebhookPayload, timeoutMs = 5000): Promise<void> {
  let response: Response
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (error) {
    throw new Error(`the webhook at ${url.origin} did not answer (${fetchFailure(error, timeoutMs)})`)
  }

  // The answer's body is not needed; reading it frees the connection.
  await response.arrayBuffer().catch(() => {})
  if (!response.ok) throw new Error(`the webhook at ${url.origin} answered HTTP ${response.status}`)
}

function fetchFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000}s`
  const cause = error instanceof Error ? (error.cause as {code?: string; message?: string} | undefined) : undefined
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error))
}

/**
 * Posts what crossed a threshold, if anything did. A receiver that fails is never fatal: the
 * reason goes to `failed`, for the command to warn about.
 */
export async function notifyWebhook(url: URL | undefined, snapshot: StatusSnapshot, changes: Crossings, failed: (reason: string) => void): Promise<void> {
  const payload = url && webhookPayload(snapshot, changes)
  if (!url || !payload) return
  await postWebhook(url, payload).catch((error: unknown) => failed(error instanceof Error ? error.message : String(error)))
}
