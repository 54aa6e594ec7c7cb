// The worker benchmark's figures: one row per goal (summarize), and the markdown results file
// with every run's figures beneath the rows (markdown).
import {median} from './harness.mjs'

const number = (value) => Math.round(value).toLocaleString('en-US')
const s = (seconds) => `${seconds.toFixed(2)} s`
const ms = (value) => (value === undefined ? 'n/a' : `${value.toFixed(1)} ms`)
const x = (ratio) => `${ratio.toFixed(2)}x`
const verdict = (row) => (row.informational ? '' : row.caveat ? `unclear: ${row.caveat}` : row.met ? 'yes' : '**no**')

/** Each goal's row: the measured figure, the figure it is held against, their ratio, and whether the goal is met. */
export function summarize(settings, results) {
  const rows = []
  if (results.drain.length > 0) {
    const {count} = settings.drain
    const rate = (who) => count / median(results.drain.map((run) => run[who].seconds))
    const peerRate = rate('kafkajs')
    rows.push({
      scenario: `no-op drain of ${number(count)} jobs, ${settings.drain.partitions} partitions, whole process`,
      measured: `${number(rate('kq'))} jobs/s`,
      reference: `kafkajs eachMessage ${number(peerRate)} msg/s`,
      ratio: rate('kq') / peerRate,
      shown: x(rate('kq') / peerRate),
      goal: 'at least 1.0x',
      met: rate('kq') / peerRate >= 1,
    })
    // Not goals: where the drain's time goes, in the same runs.
    for (const [who, scenario] of [
      ['kqQuiet', 'the same drain, `kq work --quiet` (no line a job)'],
      ['envelopes', 'the envelope floor: kafkajs eachBatch, JSON and headers decoded, nothing run'],
    ]) {
      if (results.drain[0][who] === undefined) continue
      rows.push({scenario, measured: `${number(rate(who))} jobs/s`, reference: `kafkajs eachMessage ${number(peerRate)} msg/s`, ratio: rate(who) / peerRate, shown: x(rate(who) / peerRate), goal: 'none (for comparison)', met: true, informational: true})
    }
  }

  const jobTime = (name, label, ideal, most) => {
    if (results[name].length === 0) return
    const measured = median(results[name].map((run) => run.jobSeconds))
    // Well below the ideal, the no-op baseline varied by more than the jobs cost: the figure is noise.
    const caveat = measured < 0.9 * ideal ? 'well below the ideal, so within the noise; use more jobs or a quieter machine' : undefined
    rows.push({scenario: label, measured: `job time ${s(measured)}`, reference: `ideal ${s(ideal)}`, ratio: measured / ideal, shown: x(measured / ideal), goal: `at most ${most}x`, met: measured / ideal <= most, caveat})
  }

  const {uniform, mixed} = settings
  jobTime('uniform', `${number(uniform.count)} jobs x ${uniform.ms} ms, 1 partition, concurrency ${uniform.concurrency}`, uniformIdeal(uniform), 1.1)
  jobTime(
    'mixed',
    `${number(mixed.count)} jobs, every ${mixed.slowEvery}th ${mixed.slowMs / 1000} s, the rest ${mixed.fastMs} ms, 1 partition, concurrency ${mixed.concurrency}`,
    mixedIdeal(mixed),
    1.3,
  )
  if (results.mixed.length > 0 && mixed.inOrderFloorMs !== undefined) {
    const measured = median(results.mixed.map((run) => run.jobSeconds))
    const floor = mixed.inOrderFloorMs / 1000
    rows.push({
      scenario: 'the same against the floor of starting jobs in dispatch order as slots free',
      measured: `job time ${s(measured)}`,
      reference: `floor ${s(floor)}`,
      ratio: measured / floor,
      shown: x(measured / floor),
      goal: 'none (for comparison)',
      met: true,
      informational: true,
    })
  }

  if (results.latency.length > 0) {
    const {rate} = settings.latency
    const at = (who, p) => median(results.latency.map((run) => run[who][p]))
    const late = behind(settings, results.latency)
    const caveat = (whose) => (late.some(({who}) => whose.includes(who)) ? 'a producer fell behind its rate (see below)' : undefined)
    const [kq50, peer50, kq99, peer99] = [at('kq', 'p50'), at('kafkajs', 'p50'), at('kq', 'p99'), at('kafkajs', 'p99')]
    rows.push(
      {
        scenario: `latency p50 at ${number(rate)} jobs/s, dispatch to handle()`,
        measured: ms(kq50),
        reference: `kafkajs ${ms(peer50)}`,
        ratio: kq50 / peer50,
        shown: `${kq50 - peer50 >= 0 ? '+' : ''}${(kq50 - peer50).toFixed(1)} ms (${x(kq50 / peer50)})`,
        goal: 'at most kafkajs + 1 ms',
        met: kq50 - peer50 <= 1,
        caveat: caveat(['kq', 'kafkajs']),
      },
      {scenario: `latency p99 at ${number(rate)} jobs/s`, measured: ms(kq99), reference: `kafkajs ${ms(peer99)}`, ratio: kq99 / peer99, shown: x(kq99 / peer99), goal: 'at most 25 ms', met: kq99 <= 25, caveat: caveat(['kq'])},
    )
  }

  if (results.drain.length > 0) {
    const kqMb = median(results.drain.map((run) => run.kq.peakMb))
    const peerMb = median(results.drain.map((run) => run.kafkajs.peakMb))
    rows.push({scenario: 'peak RSS of the no-op drain', measured: `${number(kqMb)} MB`, reference: `kafkajs ${number(peerMb)} MB`, ratio: kqMb / peerMb, shown: x(kqMb / peerMb), goal: 'at most 1.25x', met: kqMb / peerMb <= 1.25})
  }

  return rows
}

const uniformIdeal = ({count, ms, concurrency}) => (count * ms) / 1000 / concurrency
// The slowest job bounds it, and so does the total work shared by every slot.
const mixedIdeal = ({count, slowMs, concurrency, totalMs}) => (count === 0 ? 0 : Math.max(slowMs, totalMs / concurrency) / 1000)

const DRAINERS = {
  kq: '`kq work`',
  kqQuiet: '`kq work --quiet`',
  kafkajs: 'kafkajs eachMessage, no-op',
  envelopes: 'kafkajs eachBatch, envelope floor',
}

function drainSection(settings, runs) {
  const {count, partitions} = settings.drain
  const who = Object.keys(DRAINERS).filter((name) => runs[0][name] !== undefined)
  const line = (run, name, figures) => `| ${run} | ${DRAINERS[name]} | ${s(figures.seconds)} | ${number(count / figures.seconds)} /s | ${number(figures.peakMb)} MB |`
  const middle = (name) => ({seconds: median(runs.map((run) => run[name].seconds)), peakMb: median(runs.map((run) => run[name].peakMb))})
  return `## Drain: ${number(count)} no-op jobs, ${partitions} partitions, whole process start to exit

\`kq work --stop-when-empty --concurrency ${partitions}\` (with its line per job, and with \`--quiet\`), a kafkajs
eachMessage consumer with a no-op handler, and the envelope floor (kafkajs eachBatch parsing each
record's JSON value and decoding its headers, running nothing), each in a new group, in turn, the
first one moving on each run; peak RSS sampled every 100 ms.

| run | process | wall time | throughput | peak RSS |
|---|---|---|---|---|
${runs.flatMap((run, index) => who.map((name) => line(index + 1, name, run[name]))).join('\n')}
${who.map((name) => line('median', name, middle(name))).join('\n')}
`
}

function jobTimeSection(title, scenario, ideal, runs, note = '') {
  const line = (name, figures) => `| ${name} | ${s(figures.jobs.seconds)} | ${s(figures.noop.seconds)} | ${s(figures.jobSeconds)} | ${x(figures.jobSeconds / ideal)} |`
  const middle = {jobs: {seconds: median(runs.map((run) => run.jobs.seconds))}, noop: {seconds: median(runs.map((run) => run.noop.seconds))}, jobSeconds: median(runs.map((run) => run.jobSeconds))}
  return `## ${title}

Job time: \`kq work --stop-when-empty --concurrency ${scenario.concurrency}\` on the Sleep jobs, less the same on as
many no-op jobs, each in a new group on ${scenario.partitions} partition, in the same run. Ideal: ${s(ideal)}.${note}
The median row takes each column's median; its job time is the median of the runs' job times.

| run | Sleep jobs wall time | no-op wall time | job time | job time / ideal |
|---|---|---|---|---|
${runs.map((run, index) => line(index + 1, run)).join('\n')}
${line('median', middle)}
`
}

/**
 * The producers that sent under 95 % of the messages due at their rate: on a starved machine a
 * producer falls behind, and its latencies then measure its own queue, not the path to the handler.
 */
function behind(settings, runs) {
  const due = settings.latency.rate * settings.latency.seconds
  return runs.flatMap((run, index) => ['kq', 'kafkajs'].filter((who) => run[who].sent < 0.95 * due).map((who) => ({run: index + 1, who, sent: run[who].sent, due})))
}

function latencySection(settings, runs) {
  const {rate, seconds, concurrency} = settings.latency
  const line = (name, who, figures) => `| ${name} | ${who} | ${ms(figures.p50)} | ${ms(figures.p90)} | ${ms(figures.p99)} | ${ms(figures.max)} | ${number(figures.measured)} of ${number(figures.sent)} |`
  const lines = runs.flatMap((run, index) => [line(index + 1, '`dispatch()` to `kq work` handle()', run.kq), line(index + 1, 'kafkajs send() to eachMessage', run.kafkajs)])
  return `## Latency: ${number(rate)} jobs/s for ${seconds} s, from send to handler

A worker (\`kq work --concurrency ${concurrency}\`) on a fresh queue, an application process calling
\`dispatch()\` at a steady rate; then the same with a kafkajs producer calling send() once a message
and an eachMessage consumer. The rows above take the median of the runs' percentiles.

| run | | p50 | p90 | p99 | max | jobs measured |
|---|---|---|---|---|---|---|
${lines.join('\n')}
${behind(settings, runs)
  .map(({run, who, sent, due}) => `\nRun ${run}: the ${who} producer sent ${number(sent)} of the ${number(due)} due, so its latencies include its own queueing.`)
  .join('')}
`
}

export function markdown(meta, settings, results, rows) {
  const sections = []
  if (results.drain.length > 0) sections.push(drainSection(settings, results.drain))
  if (results.uniform.length > 0) {
    const {count, ms: duration, concurrency} = settings.uniform
    sections.push(jobTimeSection(`Uniform: ${number(count)} jobs of ${duration} ms, concurrency ${concurrency}`, settings.uniform, uniformIdeal(settings.uniform), results.uniform))
  }

  if (results.mixed.length > 0) {
    const {count, slowEvery, slowMs, fastMs, concurrency} = settings.mixed
    const title = `Mixed: ${number(count)} jobs, every ${slowEvery}th of ${slowMs} ms, the rest ${fastMs} ms, concurrency ${concurrency}`
    const floor = settings.mixed.inOrderFloorMs
    const note =
      floor === undefined
        ? ''
        : `\nThe ideal is out of reach of any worker that starts jobs in dispatch order, as slots free, without knowing how long each
will take: the last slow job starts only once every job before it has, while the slow ones ahead hold slots. Run that
way on ${concurrency} slots, with no cost of its own, these jobs take ${s(floor / 1000)} (computed in \`bench/worker.mjs\`).`
    sections.push(jobTimeSection(title, settings.mixed, mixedIdeal(settings.mixed), results.mixed, note))
  }

  if (results.latency.length > 0) sections.push(latencySection(settings, results.latency))
  return `# Worker benchmark

Command: \`${meta.command}\`
Date: ${meta.date}; Node ${meta.node}; Kafka ${meta.kafka} at ${meta.brokers}; ${meta.cores} cores (${meta.cpu}).
${settings.runs} run(s) of each scenario; the processes of each scenario take turns going first; figures are medians of the runs.

| scenario | measured | peer / ideal | ratio | goal | met |
|---|---|---|---|---|---|
${rows.map((row) => `| ${row.scenario} | ${row.measured} | ${row.reference} | ${row.shown} | ${row.goal} | ${verdict(row)} |`).join('\n')}

${sections.join('\n')}`
}
