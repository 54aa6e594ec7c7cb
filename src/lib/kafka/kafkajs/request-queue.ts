// kafkajs's own module, not its public API: each connection's queue of requests.
import RequestQueue from 'kafkajs/src/network/requestQueue/index.js'

let patched = false

/**
 * Stops kafkajs from setting a timer after every response when no request waits. Its request
 * queue checks for waiting requests after each response, and then schedules another check 1 ms
 * later "in case of throttling", whether or not anything waits or Kafka throttles: a timer made,
 * and a turn of the event loop woken for it, per request. A sequence of awaited dispatches made
 * two timers each, and the loop woke a fifth more often than a plain producer's. With requests
 * waiting, or Kafka throttling the client, the check is scheduled as kafkajs schedules it.
 */
export function checkWaitingRequestsOnlyWhenSomeWait(): void {
  if (patched) return
  patched = true
  const schedule = RequestQueue.prototype.scheduleCheckPendingRequests
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueue) {
    if (this.pending.length === 0 && !(this.throttledUntil > Date.now())) return
    schedule.call(this)
  }
}
