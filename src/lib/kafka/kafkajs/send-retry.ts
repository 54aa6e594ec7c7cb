import {type RetryOptions} from 'kafkajs'

/**
 * kafkajs's backoff between tries of a send: the first pause, doubled (give or take `factor`)
 * up to the longest. Set whole here, rather than taken from kafkajs's defaults, so that the
 * count below reckons with the pauses kafkajs will make.
 */
const BACKOFF = {initialRetryTime: 250, multiplier: 2, factor: 0.2, maxRetryTime: 2000}

/**
 * Without a send timeout (a worker's publisher), the tries span at most this long: a worker's
 * retry record or dead letter waits out a lost quorum and the in-sync replicas' return, which a
 * three-node cluster whose two killed nodes came back took more than 20 s to finish.
 */
const UNBOUNDED_SPAN_MS = 60_000

/** Left between the last try and the send timeout, for that try's answer to come back as the error. */
const LAST_TRY_MARGIN_MS = 1000

/**
 * kafkajs's retry options for a publisher's sends, with as many tries as fit in the send timeout.
 *
 * A partition whose leader was killed -9 keeps that leader in the metadata until Kafka counts the
 * node dead (about 9 s) and elects another: each try until then is refused. kafkajs's tries were
 * a fixed count (~15 s of pauses), which a loaded cluster outlasted. Its own retry, not one around
 * the send, keeps what a retry must keep: it sends again only the brokers that did not answer, on
 * the same producer with the same sequence numbers, so Kafka drops a copy it already has. The
 * tries end a moment before the send timeout, so that the last refusal, naming the node, is the
 * error; the timeout itself stays for a send no broker answers.
 */
export function sendRetry(sendTimeoutMs?: number): RetryOptions {
  const span = sendTimeoutMs === undefined ? UNBOUNDED_SPAN_MS : sendTimeoutMs - LAST_TRY_MARGIN_MS
  return {...BACKOFF, retries: retriesWithin(span)}
}

/**
 * The most retries whose pauses add up to at most `spanMs` however kafkajs draws them (each
 * pause at its longest), and at least one: kafkajs's idempotent producer refuses fewer.
 */
export function retriesWithin(spanMs: number): number {
  const {initialRetryTime, multiplier, factor, maxRetryTime} = BACKOFF
  let retries = 0
  let total = 0
  for (let pause = initialRetryTime * (1 + factor); total + pause <= spanMs; pause = Math.min(pause * (1 + factor) * multiplier, maxRetryTime)) {
    total += pause
    retries++
  }

  return Math.max(1, retries)
}
