// What every page of the dashboard uses: the API call, polling, number and time formats, the
// error line. Its own module so that each page's file imports it rather than the app.
import {h} from 'preact'
import {useEffect, useState} from 'preact/hooks'
import htm from 'htm'

export const html = htm.bind(h)

/** How often the page asks again: live enough, and light on Kafka. */
const POLL_MS = 3000

export async function api(path, body) {
  const init = body === undefined ? {} : {method: 'POST', body: JSON.stringify(body)}
  // The CSRF header: the server refuses an action without it, which a cross-site form cannot send.
  const response = await fetch(path, {...init, headers: {'Content-Type': 'application/json', 'X-KQ-CSRF': '1'}})
  const answer = await response.json().catch(() => ({error: `HTTP ${response.status}`}))
  if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status}`)
  return answer
}

/** Calls `load` now and every POLL_MS while the component is shown. */
export function usePolling(load, deps = []) {
  const [state, setState] = useState({data: null, error: null})
  useEffect(() => {
    let live = true
    const tick = () =>
      load().then(
        (data) => live && setState({data, error: null}),
        (error) => live && setState((previous) => ({data: previous.data, error: error.message})),
      )
    tick()
    const timer = setInterval(tick, POLL_MS)
    return () => {
      live = false
      clearInterval(timer)
    }
  }, deps)
  return state
}

export const count = (value) => (value === null || value === undefined ? '–' : Math.round(value).toLocaleString())

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '–'
  if (seconds < 60) return `${Math.round(seconds)} s`
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`
  return `${(seconds / 3600).toFixed(1)} h`
}

export const when = (iso) => new Date(iso).toLocaleString()

export function Problem({error}) {
  return error ? html`<div class="error" role="alert">${error}</div>` : null
}
