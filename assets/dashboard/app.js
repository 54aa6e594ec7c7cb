// The kq dashboard page: Preact components written with htm, so the browser runs this file as
// it is (no build step), and everything it shows comes from the JSON API described in the README.
import {render} from 'preact'
import {useEffect, useState} from 'preact/hooks'

import {BatchPage, BatchesPage} from './batches.js'
import {Sparkline, history, remember} from './charts.js'
import {Problem, api, count, duration, html, usePolling, when} from './common.js'

function useRoute() {
  const [hash, setHash] = useState(location.hash)
  useEffect(() => {
    const changed = () => setHash(location.hash)
    addEventListener('hashchange', changed)
    return () => removeEventListener('hashchange', changed)
  }, [])
  const [page = 'queues', ...rest] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent)
  return {page: page || 'queues', rest}
}

function QueuesPage() {
  const {data, error} = usePolling(async () => {
    const answer = await api('/api/queues')
    remember(answer.time, answer.queues)
    return answer
  })
  if (!data) return html`<${Problem} error=${error} />`
  return html`
    <${Problem} error=${error} />
    <table aria-label="Queues">
      <thead><tr><th>Queue</th><th class="num">Waiting (lag)</th><th class="num">Delayed</th><th class="num">Retrying</th>
        <th class="num">Dead letters</th><th class="num">Jobs/min</th><th class="num">Workers</th><th class="num">Drain</th><th>State</th></tr></thead>
      <tbody>
        ${data.queues.map(
          (queue) => html`<tr data-queue=${queue.queue}>
            <td>${queue.queue}</td><td class="num lag">${count(queue.lag)}</td><td class="num">${count(queue.delayed)}</td>
            <td class="num">${count(queue.retrying)}</td>
            <td class="num dead"><a href=${`#/failed/${encodeURIComponent(queue.queue)}`}>${count(queue.deadLetters)}</a></td>
            <td class="num">${count(queue.throughputPerMinute)}</td><td class="num">${queue.workers}</td>
            <td class="num">${duration(queue.drainSeconds)}</td>
            <td>${queue.paused ? html`<span class="badge paused" title=${`by ${queue.paused.by} at ${when(queue.paused.at)}`}>paused</span>` : html`<span class="badge">running</span>`}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${data.queues.length === 0 && html`<p class="muted">No queues yet: <code>kq topic:create</code> makes one.</p>`}
    <div class="charts">
      ${data.queues.map((queue) => {
        const series = history.get(queue.queue)
        return html`<div class="queue-charts" key=${queue.queue}><h3>${queue.queue}</h3><div class="pair">
          <${Sparkline} label="jobs/min" times=${series.time} values=${series.throughput} color="#2956c8" />
          <${Sparkline} label="waiting" times=${series.time} values=${series.lag} color="#b3261e" />
        </div></div>`
      })}
    </div>
    <p class="muted">Read ${when(data.time)}; charts cover this page's last hour, kept in its memory.</p>`
}

function WorkersPage() {
  const {data, error} = usePolling(() => api('/api/workers'))
  if (!data) return html`<${Problem} error=${error} />`
  return html`
    <${Problem} error=${error} />
    <p>Group <strong>${data.group}</strong>: ${data.state}, ${data.workers.length} member(s).</p>
    <table aria-label="Workers">
      <thead><tr><th>Name</th><th>Host</th><th class="num">Pid</th><th>Client id</th><th>Partitions</th></tr></thead>
      <tbody>${data.workers.map(
        (worker) => html`<tr><td>${worker.name ?? html`<span class="muted">unnamed</span>`}</td>
          <td title=${`connects from ${worker.address}`}>${worker.host}</td><td class="num">${worker.pid ?? '–'}</td>
          <td>${worker.clientId}</td><td>${worker.partitions.join(', ') || html`<span class="muted">none yet</span>`}</td></tr>`,
      )}</tbody>
    </table>`
}

const REASONS = ['exhausted', 'fatal', 'timeout', 'malformed', 'unknown-job']

function FailedPage({queue, readOnly}) {
  const [filter, setFilter] = useState({job: '', reason: '', since: '', q: ''})
  const [selected, setSelected] = useState(new Set())
  const [notice, setNotice] = useState(null)
  const [failure, setFailure] = useState(null)
  const query = new URLSearchParams(Object.entries({queue: queue ?? '', ...filter}).filter(([, value]) => value !== ''))
  const {data, error} = usePolling(() => api(`/api/dead-letters?${query}`), [query.toString()])
  const field = (name) => (event) => setFilter({...filter, [name]: event.target.value})
  const activeFilter = Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== ''))

  async function act(verb, target) {
    setFailure(null)
    try {
      const result = await api(`/api/dead-letters/${verb}`, {queue, ...target})
      const done = verb === 'replay' ? result.replayed.length : result.purged.length
      const refused = result.refused?.length ? `; ${result.refused.length} refused: ${result.refused[0].message}` : ''
      setNotice(`${verb === 'replay' ? 'Replayed' : 'Purged'} ${done} dead letter(s)${refused}.`)
      setSelected(new Set())
    } catch (problem) {
      setFailure(problem.message)
    }
  }

  const purge = (target, what) => confirm(`Purge ${what}? They leave the list without running again.`) && act('purge', target)
  const toggle = (id) => setSelected((now) => (now.has(id) ? new Set([...now].filter((each) => each !== id)) : new Set([...now, id])))
  const ids = [...selected]
  return html`
    <form class="filters" onSubmit=${(event) => event.preventDefault()}>
      <label>Queue<${QueuePicker} queue=${queue} /></label>
      <label>Job<input value=${filter.job} onInput=${field('job')} placeholder="SendEmail" /></label>
      <label>Reason<select value=${filter.reason} onChange=${field('reason')}><option value="">any</option>${REASONS.map((reason) => html`<option>${reason}</option>`)}</select></label>
      <label>Since<input value=${filter.since} onInput=${field('since')} placeholder="2h, 7d, 2026-11-26" /></label>
      <label>Error text<input value=${filter.q} onInput=${field('q')} placeholder="timeout" /></label>
    </form>
    <${Problem} error=${failure ?? error} />
    ${notice && html`<div class="notice" role="status">${notice}</div>`}
    ${queue && !readOnly && html`<div class="actions">
      <button disabled=${ids.length === 0} onClick=${() => act('replay', {ids})}>Replay selected (${ids.length})</button>
      <button disabled=${!data?.total} onClick=${() => act('replay', Object.keys(activeFilter).length ? {filter: activeFilter} : {all: true})}>Replay all ${data?.total ?? 0} matching</button>
      <button class="danger" disabled=${ids.length === 0} onClick=${() => purge({ids}, `${ids.length} selected dead letter(s)`)}>Purge selected</button>
    </div>`}
    ${!queue && html`<p class="muted">Pick a queue to replay or purge.</p>`}
    ${data && html`<table aria-label="Dead letters">
      <thead><tr><th></th><th>Failed</th><th>Queue</th><th>Job</th><th>Reason</th><th>Error</th><th class="num">Attempts</th><th class="num">Replays</th><th>Id</th></tr></thead>
      <tbody>${data.deadLetters.map(
        (letter) => html`<tr class="selectable" onClick=${() => (location.hash = `#/failed/${encodeURIComponent(letter.queue)}/${encodeURIComponent(letter.id)}`)}>
          <td onClick=${(event) => event.stopPropagation()}>${queue && !readOnly && html`<input type="checkbox" aria-label=${`select ${letter.id}`} checked=${selected.has(letter.id)} onChange=${() => toggle(letter.id)} />`}</td>
          <td>${when(letter.failedAt)}</td><td>${letter.queue}</td><td>${letter.job ?? '–'}</td><td><span class="badge bad">${letter.reason ?? '–'}</span></td>
          <td>${[letter.error.class, letter.error.message].filter(Boolean).join(': ')}</td><td class="num">${count(letter.attempts)}</td>
          <td class="num">${letter.replayCount}</td><td><code>${letter.id}</code></td></tr>`,
      )}</tbody>
    </table>
    <p class="muted">${data.total} pending dead letter(s) match, newest first${data.total > data.deadLetters.length ? `; the newest ${data.deadLetters.length} shown` : ''}.</p>`}`
}

function QueuePicker({queue}) {
  const {data} = usePolling(() => api('/api/queues'))
  const go = (event) => (location.hash = event.target.value ? `#/failed/${encodeURIComponent(event.target.value)}` : '#/failed')
  return html`<select value=${queue ?? ''} onChange=${go}><option value="">all queues</option>${(data?.queues ?? []).map((each) => html`<option>${each.queue}</option>`)}</select>`
}

function DeadLetterPage({queue, id, readOnly}) {
  const [letter, setLetter] = useState(null)
  const [error, setError] = useState(null)
  const [notice, setNotice] = useState(null)
  useEffect(() => {
    api(`/api/dead-letters/${encodeURIComponent(queue)}/${encodeURIComponent(id)}`).then(setLetter, (problem) => setError(problem.message))
  }, [queue, id])
  async function act(verb) {
    if (verb === 'purge' && !confirm(`Purge dead letter ${id}? It leaves the list without running again.`)) return
    try {
      const result = await api(`/api/dead-letters/${verb}`, {queue, ids: [id]})
      if (result.refused?.length) throw new Error(result.refused[0].message)
      setNotice(verb === 'replay' ? `Replayed to ${result.to}: a worker will run it again.` : 'Purged.')
      setLetter({...letter, status: 'handled'})
    } catch (problem) {
      setError(problem.message)
    }
  }

  if (!letter) return html`<${Problem} error=${error} />`
  const pending = letter.status === 'pending'
  return html`
    <p><a href=${`#/failed/${encodeURIComponent(queue)}`}>← dead letters of ${queue}</a></p>
    <h2>${letter.job ?? 'Not a kq job'} <code>${letter.id}</code></h2>
    ${letter.job && html`<p><a href=${`#/jobs/${encodeURIComponent(letter.id)}`}>Its whole history →</a></p>`}
    <${Problem} error=${error} />
    ${notice && html`<div class="notice" role="status">${notice}</div>`}
    ${!readOnly && pending && html`<div class="actions"><button onClick=${() => act('replay')}>Replay</button><button class="danger" onClick=${() => act('purge')}>Purge</button></div>`}
    <dl>
      <dt>Status</dt><dd>${letter.status}</dd><dt>Reason</dt><dd>${letter.reason ?? '–'}</dd>
      <dt>Error</dt><dd>${[letter.error.class, letter.error.message].filter(Boolean).join(': ') || '–'}</dd>
      <dt>Failed at</dt><dd>${when(letter.failedAt)} after ${count(letter.attempts)} attempt(s)</dd>
      <dt>Dead letter</dt><dd>${letter.deadLetter.topic} partition ${letter.deadLetter.partition} offset ${letter.deadLetter.offset}</dd>
      <dt>First failed on</dt><dd>${letter.original.topic ?? '–'} partition ${letter.original.partition ?? '–'} offset ${letter.original.offset ?? '–'}</dd>
      <dt>Lineage</dt><dd>replayed ${letter.replayCount} time(s)${letter.replayedFrom ? `, last from ${letter.replayedFrom}` : ''}${letter.others.length ? `; earlier dead letters: ${letter.others.join(', ')}` : ''}</dd>
      <dt>Key</dt><dd>${letter.key ?? '–'}</dd>
    </dl>
    <h3>Payload</h3><pre>${JSON.stringify(letter.payload ?? letter.value, null, 2)}</pre>
    <h3>Stack</h3><pre>${letter.error.stack ?? '–'}</pre>
    <h3>Headers</h3><pre>${JSON.stringify(letter.headers, null, 2)}</pre>`
}

function JobsPage({id}) {
  const [typed, setTyped] = useState(id ?? '')
  const [found, setFound] = useState(null)
  const [error, setError] = useState(null)
  useEffect(() => {
    setFound(null)
    setError(null)
    if (id) api(`/api/jobs/${encodeURIComponent(id)}`).then(setFound, (problem) => setError(problem.message))
  }, [id])
  const lookUp = (event) => event.preventDefault() || (location.hash = `#/jobs/${encodeURIComponent(typed.trim())}`)

  const bounds = found?.searched
  return html`
    <form class="filters" onSubmit=${lookUp}>
      <label>Job id<input size="40" value=${typed} onInput=${(event) => setTyped(event.target.value)} placeholder="0193a1b2-…, as kq dispatch printed it" /></label>
      <button type="submit">Look up</button>
    </form>
    <p class="muted">Kafka keeps no index by job id: a lookup reads each queue's topics from the job's dispatch time (in its id) to now,
      at most ${bounds ? bounds.maxRecordsPerTopic.toLocaleString() : 'a bounded number of'} records a topic. A job outside that is "not found within the search".</p>
    ${id && !found && !error && html`<p class="muted">Searching…</p>`}
    <${Problem} error=${error} />
    ${found && html`
      <h2>${found.job ?? 'job'} <code>${found.id}</code> <span class=${found.state === 'dead-lettered' ? 'badge bad' : 'badge'}>${found.state}</span></h2>
      <p class="summary">In queue <strong>${found.queue}</strong>: ${found.summary}.</p>
      <table aria-label="Job history">
        <thead><tr><th>Time</th><th>Step</th><th>Topic</th><th class="num">Partition</th><th class="num">Offset</th><th class="num">Attempt</th><th>Detail</th></tr></thead>
        <tbody>${found.history.map(
          (step) => html`<tr data-kind=${step.kind}><td>${when(step.time)}</td><td>${step.kind}</td><td>${step.topic}</td>
            <td class="num">${step.partition}</td><td class="num">${step.offset}</td><td class="num">${count(step.attempt)}</td>
            <td>${stepDetail(step, found.queue)}</td></tr>`,
        )}</tbody>
      </table>
      <p class="muted">Read ${bounds.queues.join(', ')} from ${when(bounds.from)} to ${when(bounds.to)}.
        ${bounds.cutShort.length ? ` Not read to the end (record limit): ${bounds.cutShort.join(', ')}.` : ''}
        ${bounds.retentionReached.length ? ` Kafka may have deleted older records of ${bounds.retentionReached.join(', ')}.` : ''}
        ${bounds.refused.length ? ` Not allowed to read: ${bounds.refused.join(', ')}.` : ''}</p>`}`
}

function stepDetail(step, queue) {
  const parts = []
  if (step.reason) parts.push(html`<span class="badge bad">${step.reason}</span> `)
  if (step.error) parts.push([step.error.class, step.error.message].filter(Boolean).join(': '))
  if (step.replayedFrom) parts.push(`replayed from ${step.replayedFrom}`)
  if (step.notBefore) parts.push(` due ${when(step.notBefore)}`)
  if (step.kind === 'dead-letter') parts.push(html` <a href=${`#/failed/${encodeURIComponent(queue)}/${step.partition}:${step.offset}`}>open</a>`)
  return parts
}

function App() {
  const {page, rest} = useRoute()
  const [meta, setMeta] = useState(null)
  useEffect(() => {
    api('/api/meta').then(setMeta, () => setMeta({version: '?', readOnly: true}))
  }, [])
  const link = (name, label) => html`<a href=${`#/${name}`} class=${page === name ? 'current' : ''}>${label}</a>`
  const readOnly = meta?.readOnly ?? true
  const content =
    page === 'workers' ? html`<${WorkersPage} />`
    : page === 'batches' && rest.length >= 1 ? html`<${BatchPage} id=${rest[0]} key=${rest[0]} />`
    : page === 'batches' ? html`<${BatchesPage} />`
    : page === 'failed' && rest.length >= 2 ? html`<${DeadLetterPage} queue=${rest[0]} id=${rest[1]} readOnly=${readOnly} />`
    : page === 'jobs' ? html`<${JobsPage} id=${rest[0]} key=${rest[0] ?? ''} />`
    : page === 'failed' ? html`<${FailedPage} queue=${rest[0]} readOnly=${readOnly} key=${rest[0] ?? ''} />`
    : html`<${QueuesPage} />`
  return html`
    <header><h1>kq</h1><nav>${link('queues', 'Queues')}${link('workers', 'Workers')}${link('failed', 'Failed jobs')}${link('batches', 'Batches')}${link('jobs', 'Jobs')}</nav>
      <span class="meta">${meta ? `kq ${meta.version}${meta.readOnly ? ' · read-only' : ''}` : ''}</span></header>
    <main>${meta && content}</main>`
}

const root = document.getElementById('app')
// Preact renders beside what a container holds: the placeholder goes first, or it stays below the page.
root.replaceChildren()
render(html`<${App} />`, root)
