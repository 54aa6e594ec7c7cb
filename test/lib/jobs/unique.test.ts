import {strict as assert} from 'node:assert'

import {Job, type JobMiddleware, jobDefaults} from '../../../src/lib/jobs/job.js'
import {uniqueHeaders, uniqueMarkOf} from '../../../src/lib/envelope/unique.js'
import {withoutOverlapping} from '../../../src/lib/jobs/built-in-middleware.js'
import {fakeQueue} from '../../../src/testing.js'

interface Invoice {
  invoiceId: string
  customer?: string
}

class SendInvoice extends Job<Invoice> {
  override uniqueFor = 600
  override uniqueId(payload: Invoice): string {
    return `invoice-${payload.invoiceId}`
  }

  override handle(): void {}
}

class UniqueUntilDone extends Job<Invoice> {
  override uniqueId(payload: Invoice): string {
    return payload.invoiceId
  }

  override handle(): void {}
}

class UntilProcessing extends Job<Invoice> {
  override uniqueUntilProcessing = true
  override uniqueId(payload: Invoice): string {
    return payload.invoiceId
  }

  override handle(): void {}
}

class UniqueAndExclusive extends Job<Invoice> {
  override uniqueId(payload: Invoice): string {
    return `invoice-${payload.invoiceId}`
  }

  override middleware(): Array<JobMiddleware<Invoice>> {
    return [withoutOverlapping((payload) => `customer-${payload.customer}`)]
  }

  override handle(): void {}
}

describe('unique jobs at dispatch', () => {
  it('sends a unique job keyed by its unique id, marked with it and its uniqueFor', async () => {
    const queue = fakeQueue()
    try {
      await SendInvoice.dispatch({invoiceId: '7'})
      await UniqueUntilDone.dispatch({invoiceId: '8'})
      const [sent] = queue.dispatched(SendInvoice)
      assert.equal(sent.key, 'invoice-7')
      assert.deepEqual(sent.unique, {id: 'invoice-7', seconds: 600})
      assert.deepEqual(queue.dispatched(UniqueUntilDone)[0].unique, {id: '8'})
    } finally {
      queue.restore()
    }
  })

  it('marks a job unique only until it starts when it says so, and the worker reads the mark back', async () => {
    const queue = fakeQueue()
    try {
      await UntilProcessing.dispatch({invoiceId: '9'})
      assert.deepEqual(queue.dispatched(UntilProcessing)[0].unique, {id: '9', untilProcessing: true})
    } finally {
      queue.restore()
    }

    assert.deepEqual(uniqueHeaders({id: '9', untilProcessing: true}), {'kq-unique-id': '9', 'kq-unique-until': 'processing'})
    assert.deepEqual(uniqueMarkOf({'kq-unique-id': '9', 'kq-unique-for': '30', 'kq-unique-until': 'processing'}), {id: '9', seconds: 30, untilProcessing: true})
    // A bad uniqueFor is ignored, as if unset; an empty id is no mark.
    assert.deepEqual(uniqueMarkOf({'kq-unique-id': '9', 'kq-unique-for': 'soon'}), {id: '9'})
    assert.equal(uniqueMarkOf({'kq-unique-id': ''}), undefined)
  })

  it('refuses another key for a unique job, and an empty unique id', async () => {
    const queue = fakeQueue()
    try {
      await assert.rejects(SendInvoice.dispatch({invoiceId: '7'}, {key: 'customer-1'}), /SendInvoice is keyed by its unique id \("invoice-7"\), so it cannot be sent with key "customer-1"/)
      await assert.rejects(UniqueUntilDone.dispatch({invoiceId: ''}), /uniqueId\(\) of UniqueUntilDone returned an empty id: return a non-empty id/)
      queue.assertNothingDispatched()
    } finally {
      queue.restore()
    }
  })

  it('keys a unique job that also has withoutOverlapping by its overlap key', async () => {
    const queue = fakeQueue()
    try {
      await UniqueAndExclusive.dispatch({invoiceId: '7', customer: 'ada'})
      const [sent] = queue.dispatched(UniqueAndExclusive)
      assert.equal(sent.key, 'customer-ada')
      assert.deepEqual(sent.unique, {id: 'invoice-7'})
    } finally {
      queue.restore()
    }
  })

  it('reads nothing unique off a job class that is not', () => {
    class Plain extends Job<Invoice> {
      override handle(): void {}
    }

    const defaults = jobDefaults(Plain)
    assert.equal(defaults.unique, undefined)
    assert.equal(defaults.recordKey, undefined)
  })
})
