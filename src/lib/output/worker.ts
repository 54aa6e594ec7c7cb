import {type ChalkInstance} from 'chalk'

import {type WorkerEvents} from '../worker/events.js'
import {describePartitions} from './partitions.js'
import {stylesFor} from './styles.js'

/** Turns worker events into output lines; undefined for events a reader need not see. */
export type WorkerRenderer = <E extends keyof WorkerEvents>(event: E, payload: WorkerEvents[E]) => string | undefined

/** One JSON object per event and line, for log shippers and scripts. */
export function jsonRenderer(now: () => Date = () => new Date()): WorkerRenderer {
  return (event, payload) => {
    const status = STATUS[event]?.(payload as never)
    return JSON.stringify({event, time: now().toISOString(), ...(status && {status}), ...payload})
  }
}

const STATUS: Partial<{[E in keyof WorkerEvents]: (payload: WorkerEvents[E]) => string}> = {
  'job:running': () => 'running',
  'job:done': () => 'done',
  'job:failed': (payload) => (payload.action === 'retry' ? 'retry' : 'dead-letter'),
  'job:released': () => 'released',
  'job:skipped': () => 'skipped',
}

function timestamp(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`
}

/**
 * Lines as Laravel's queue:work prints them, a job per line, the status at the right edge:
 *
 *     2026-11-26 17:30:01 ExampleKafkaJob ........................ RUNNING
 *     2026-11-26 17:30:01 ExampleKafkaJob ................. 12.34ms DONE
 *
 * FAIL is yellow when the job will run again, red when it went to the dead-letter topic. Colour
 * only on a terminal without NO_COLOR; the width is the terminal's, else 100.
 */
export function humanRenderer(
  options: {verbose?: boolean; width?: number; styles?: ChalkInstance; now?: () => Date; once?: boolean} = {},
): WorkerRenderer {
  const styles = options.styles ?? stylesFor()
  const width = Math.max(60, options.width ?? process.stdout.columns ?? 100)
  // A Date a line is a measurable share of a drain's output: the clock is read as a number.
  const clock = options.now
  const nowMs = clock ? () => clock().getTime() : Date.now
  // A worker draining a backlog prints thousands of lines a second, most of them alike: each
  // second, a line's start (time, job name, dots) is built once per name and status width, and
  // found again without building a key.
  let shownSecond = Number.NaN
  let shownTime = ''
  const starts = new Map<string, string[]>()
  const line = (name: string, statusWidth: number, styled: string) => {
    const ms = nowMs()
    const second = Math.floor(ms / 1000)
    if (second !== shownSecond) {
      shownSecond = second
      shownTime = timestamp(new Date(ms))
      starts.clear()
    }

    let byWidth = starts.get(name)
    if (byWidth === undefined) {
      byWidth = []
      starts.set(name, byWidth)
    }

    let start = byWidth[statusWidth]
    if (start === undefined) {
      const left = `  ${shownTime} ${name} `
      start = `${left}${styles.gray('.'.repeat(Math.max(3, width - left.length - statusWidth - 1)))} `
      byWidth[statusWidth] = start
    }

    return start + styled
  }

  // Styling is a function call per piece even when colour is off (logs): skip it then.
  const gray = styles.level === 0 ? (text: string) => text : (text: string) => styles.gray(text)
  const running = styles.yellow('RUNNING')
  const done = styles.green('DONE')
  const jobName = (payload: {job: string; attempt: number; maxTries: number}) =>
    payload.attempt > 1 ? `${payload.job} (attempt ${payload.attempt}/${payload.maxTries})` : payload.job
  const renderers: {[E in keyof WorkerEvents]: (payload: WorkerEvents[E]) => string | undefined} = {
    started: (payload) =>
      `\n  ${styles.bgBlue.white(' INFO ')} Processing jobs from ${payload.queues.join(', ')} ` +
      `(topics ${payload.topics.join(', ')}; group ${payload.group}; ${payload.concurrency} at a time` +
      // A named worker is name@host:pid (a name has no @): its name is worth the line.
      `${payload.worker.includes('@') ? `; worker ${payload.worker}` : ''}).\n`,
    assigned: (payload) =>
      `  ${styles.gray(`Partitions: ${describePartitions(payload.partitions, 'none (more workers than partitions in this group)')}`)}`,
    'job:running': (payload) =>
      line(jobName(payload), 'RUNNING'.length, running) +
      (options.verbose ? styles.gray(` ${payload.id} ${payload.topic}[${payload.partition}]@${payload.offset}`) : ''),
    'job:done': (payload) => {
      const took = `${payload.durationMs.toFixed(2)}ms`
      return line(jobName(payload), took.length + ' DONE'.length, `${gray(took)} ${done}`)
    },
    'job:failed': (payload) => {
      const took = `${payload.durationMs.toFixed(2)}ms`
      const colour = payload.action === 'retry' ? styles.yellow : styles.red
      const next =
        payload.action === 'retry'
          ? `retrying in ${seconds(payload.delayMs ?? 0)}`
          : `dead-lettered (${payload.reason})`
      return (
        line(jobName(payload), took.length + ' FAIL'.length, `${styles.gray(took)} ${colour('FAIL')}`) +
        `\n    ${colour(`${payload.error.name}: ${payload.error.message}`)} ${styles.gray(`— ${next}`)}`
      )
    },
    'job:released': (payload) =>
      line(jobName(payload), 'RELEASED'.length, styles.yellow('RELEASED')) +
      `\n    ${styles.gray(`${payload.reason}: runs again in ${seconds(payload.delayMs)}, as the same attempt`)}`,
    'job:skipped': (payload) =>
      line(jobName(payload), 'SKIPPED'.length, styles.gray('SKIPPED')) +
      `\n    ${styles.gray(`a duplicate: unique id ${payload.uniqueId} was pending when it was dispatched`)}`,
    'job:log': (payload) =>
      payload.late
        ? `    ${styles.yellow(`(late: attempt ${payload.attempt} had already ended)`)} ${styles.gray(payload.message)}`
        : `    ${styles.gray(payload.message)}`,
    poison: (payload) =>
      line(`(${payload.reason} record ${payload.topic}[${payload.partition}]@${payload.offset})`, 'DEAD-LETTERED'.length, styles.red('DEAD-LETTERED')) +
      `\n    ${styles.red(`${payload.error.name}: ${payload.error.message}`)}`,
    warning: (payload) => `  ${styles.bgYellow.black(' WARN ')} ${payload.message}`,
    paused: (payload) =>
      `  ${styles.bgYellow.black(' PAUSED ')} Queue ${payload.queue} is paused (by ${payload.by} at ${payload.at}): its jobs wait for \`kq continue ${payload.queue}\`.`,
    continued: (payload) => `  ${styles.bgBlue.white(' INFO ')} Queue ${payload.queue} continues (by ${payload.by} at ${payload.at}).`,
    restart: (payload) => `\n  ${styles.bgBlue.white(' INFO ')} Restart asked by ${payload.by} at ${payload.at}.`,
    'broker:lost': (payload) =>
      `  ${styles.bgRed.white(' KAFKA ')} lost the connection (${payload.error.message}): retrying`,
    'broker:restored': () => `  ${styles.bgGreen.black(' KAFKA ')} connected again`,
    // --once is --max-jobs 1 to the worker: its stop is named after the flag that was given.
    stopping: (payload) =>
      `\n  ${styles.bgBlue.white(' INFO ')} Stopping (${options.once && payload.reason === 'max-jobs' ? '--once: one job worked' : STOP_WORDS[payload.reason]}): running jobs finish first.`,
    stopped: (payload) => {
      const rate = payload.seconds > 0 ? (payload.processed + payload.failed) / payload.seconds : 0
      // Jobs that did not run are named only when there were some, as Laravel's summary stays short.
      const notRun = [payload.skipped > 0 ? `, ${payload.skipped} skipped` : '', payload.released > 0 ? `, ${payload.released} released` : ''].join('')
      return (
        `  ${styles.bgBlue.white(' INFO ')} ${payload.processed} done, ${payload.failed} failed ` +
        `(${payload.deadLettered} dead-lettered)${notRun} in ${payload.seconds.toFixed(1)}s (${rate.toFixed(1)} jobs/s).`
      )
    },
  }
  return (event, payload) => renderers[event](payload as never)
}

const STOP_WORDS: Record<WorkerEvents['stopping']['reason'], string> = {
  signal: 'signal received',
  restart: 'kq restart: a process manager starts it again',
  'max-jobs': '--max-jobs reached',
  'max-time': '--max-time reached',
  memory: '--memory exceeded',
  empty: 'queue is empty',
  'broker-timeout': 'Kafka unreachable for --broker-timeout',
  refused: 'Kafka refused this client a permission',
  error: 'a failure record could not be written',
}


/** Where the worker's Prometheus endpoint listens (kq work --metrics-port). */
export function metricsLine(url: string, options: {open: boolean}, styles: ChalkInstance = stylesFor()): string {
  const line = `\n  ${styles.bgBlue.white(' INFO ')} Prometheus metrics at ${url}`
  // They ask for no login: on an address other machines reach, that is worth a word.
  return options.open ? `${line}\n  ${styles.yellow('open to other machines, without a login: keep the port on a private network, or --metrics-host 127.0.0.1 behind a proxy')}` : line
}
