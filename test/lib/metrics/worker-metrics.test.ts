import {strict as assert} from 'node:assert'

import {workerMetrics} from '../../../src/lib/metrics/worker-metrics.js'
import {WorkerEmitter} from '../../../src/lib/worker/events.js'
import {type Worker} from '../../../src/lib/worker/worker.js'

const ref = {job: 'SyncInvoice', id: '01890a5d-ac96-774b-bcce-b302099a8057', attempt: 1, maxTries: 3, queue: 'invoices', topic: 'invoices', partition: 0, offset: 4}

/** The events of a worker, without a worker: the metrics listen to nothing else but its lag. */
function eventsOnly(): WorkerEmitter {
  return Object.assign(new WorkerEmitter(), {remaining: async () => []})
}

describe('worker metrics, for middleware and unique jobs', () => {
  it('counts a released job as released, not as a try, and no longer in flight', async () => {
    const events = eventsOnly()
    const registry = workerMetrics(events as unknown as Worker, {processMetrics: false})
    events.emit('job:running', ref)
    events.emit('job:released', {...ref, delayMs: 1000, reason: 'rateLimited'})
    events.emit('job:skipped', {...ref, id: '01890a5d-ac96-774b-bcce-b302099a8058', uniqueId: 'invoice-7'})
    const text = await registry.metrics()
    assert.match(text, /^kq_jobs_in_flight 0$/m)
    assert.match(text, /^kq_jobs_total\{queue="invoices",job="SyncInvoice",status="released"\} 1$/m)
    assert.match(text, /^kq_jobs_total\{queue="invoices",job="SyncInvoice",status="skipped"\} 1$/m)
    assert.doesNotMatch(text, /status="failed"/)
    assert.doesNotMatch(text, /^kq_job_duration_seconds_count\{queue="invoices",job="SyncInvoice"\} [1-9]/m)
  })
})
