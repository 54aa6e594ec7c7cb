// The Batches pages: every batch on the batch topic with its progress, and one batch in full,
// from GET /api/batches and GET /api/batches/:id (what kq batch:list and kq batch:show read).
import {useState} from 'preact/hooks'

import {Problem, api, count, html, usePolling, when} from './common.js'

const BAD = new Set(['failed'])

function StatusBadge({status}) {
  return html`<span class=${BAD.has(status) ? 'badge bad' : 'badge'}>${status}</span>`
}

export function BatchesPage() {
  const [running, setRunning] = useState(false)
  const {data, error} = usePolling(() => api(`/api/batches${running ? '?running=true' : ''}`), [running])
  return html`
    <form class="filters" onSubmit=${(event) => event.preventDefault()}>
      <label><input type="checkbox" checked=${running} onChange=${(event) => setRunning(event.target.checked)} /> Only batches not yet ended</label>
    </form>
    <${Problem} error=${error} />
    ${data && html`<table aria-label="Batches">
      <thead><tr><th>Created</th><th>Name</th><th>Status</th><th class="num">Total</th><th class="num">Pending</th><th class="num">Done</th><th class="num">Failed</th><th>Id</th></tr></thead>
      <tbody>${data.batches.map(
        (batch) => html`<tr class="selectable" data-batch=${batch.id} onClick=${() => (location.hash = `#/batches/${encodeURIComponent(batch.id)}`)}>
          <td>${batch.createdAt ? when(batch.createdAt) : '–'}</td><td>${batch.name ?? html`<span class="muted">unnamed</span>`}</td>
          <td><${StatusBadge} status=${batch.status} /></td><td class="num">${count(batch.total)}</td><td class="num pending">${count(batch.pending)}</td>
          <td class="num">${count(batch.done)}</td><td class="num">${count(batch.failed)}</td><td><code>${batch.id}</code></td></tr>`,
      )}</tbody>
    </table>
    ${data.batches.length === 0 && html`<p class="muted">No batches${running ? ' running' : ''}: <code>batch([...]).dispatch()</code> makes one.</p>`}
    <p class="muted">Newest first, as long as the batch topic keeps them (its retention).</p>`}`
}

export function BatchPage({id}) {
  const {data: batch, error} = usePolling(() => api(`/api/batches/${encodeURIComponent(id)}`), [id])
  if (!batch) return html`<p><a href="#/batches">← batches</a></p><${Problem} error=${error} />`
  const ends = Object.entries(batch.callbacks).filter(([, callback]) => callback)
  return html`
    <p><a href="#/batches">← batches</a></p>
    <h2>Batch ${batch.name ?? ''} <code>${batch.id}</code> <${StatusBadge} status=${batch.status} /></h2>
    <${Problem} error=${error} />
    <dl>
      <dt>Jobs</dt><dd>total ${count(batch.total)}, pending ${count(batch.pending)}, done ${count(batch.done)}, failed ${count(batch.failed)}${batch.allowFailures ? ' (failures allowed)' : ''}</dd>
      <dt>Created</dt><dd>${batch.createdAt ? when(batch.createdAt) : '–'}</dd>
      <dt>At its end</dt><dd>${ends.map(([role, callback]) => `${role} ${callback.job} on ${callback.queue}`).join(', ') || 'nothing'}</dd>
      <dt>Ended</dt><dd>${batch.finished ? `${when(batch.finished.at)}: dispatched ${batch.finished.dispatched.join(', ') || 'nothing'} (completed by job ${batch.finished.by})` : 'not yet'}</dd>
    </dl>
    ${batch.failedJobs.length > 0 && html`<h3>Failed for good</h3>
      <table aria-label="Failed jobs of the batch"><thead><tr><th>Job</th><th>Id</th></tr></thead>
        <tbody>${batch.failedJobs.map((job) => html`<tr><td>${job.job}</td><td><a href=${`#/jobs/${encodeURIComponent(job.id)}`}><code>${job.id}</code></a></td></tr>`)}</tbody>
      </table>`}`
}
