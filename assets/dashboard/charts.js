// Small live charts on uPlot (loaded as the global `uPlot` by index.html). The history lives in
// the page's memory only: an hour at most, gone on reload, as the dashboard promises.
import {h} from 'preact'
import {useEffect, useRef} from 'preact/hooks'
import htm from 'htm'

const html = htm.bind(h)

/** Points kept per queue: an hour at one reading every three seconds. */
export const HISTORY_POINTS = 1200

/** Readings by queue: {time: [], throughput: [], lag: []}, times in seconds. */
export const history = new Map()

export function remember(time, queues) {
  const seconds = Date.parse(time) / 1000
  for (const queue of queues) {
    const series = history.get(queue.queue) ?? {time: [], throughput: [], lag: []}
    series.time.push(seconds)
    series.throughput.push(queue.throughputPerMinute)
    series.lag.push(queue.lag)
    for (const values of Object.values(series)) values.splice(0, Math.max(0, values.length - HISTORY_POINTS))
    history.set(queue.queue, series)
  }
}

/** One line chart of one figure over time; redrawn with each reading. */
export function Sparkline({label, times, values, color}) {
  const holder = useRef(null)
  const chart = useRef(null)
  useEffect(() => {
    chart.current = new uPlot(
      {
        width: 260,
        height: 90,
        legend: {show: false},
        cursor: {show: false},
        axes: [{show: false}, {size: 40, font: '10px sans-serif'}],
        series: [{}, {label, stroke: color, width: 1.5, fill: color + '22', spanGaps: true}],
        scales: {y: {range: (_, min, max) => [0, Math.max(1, max)]}},
      },
      [times, values],
      holder.current,
    )
    return () => chart.current.destroy()
  }, [])
  useEffect(() => {
    chart.current?.setData([times, values])
  })
  return html`<figure class="chart"><figcaption>${label}</figcaption><div ref=${holder}></div></figure>`
}
