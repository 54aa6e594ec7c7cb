import {type JobHistory, type JobSighting} from '../job-history/index.js'
import {localTime} from './dead-letters.js'
import {stylesFor} from './styles.js'
import {renderTable} from './table.js'

function detail(step: JobSighting): string {
  const parts: string[] = []
  if (step.reason) parts.push(step.reason)
  if (step.error) parts.push([step.error.class, step.error.message].filter(Boolean).join(': '))
  if (step.replayedFrom) parts.push(`replayed from ${step.replayedFrom}`)
  if (step.notBefore) parts.push(`due ${localTime(step.notBefore)}`)
  const text = parts.join('; ')
  return text.length > 80 ? `${text.slice(0, 79)}…` : text
}

/** `kq job:show`: where the job is, each record of it, and the bounds of the search. */
export function renderJobHistory(found: JobHistory): string {
  const styles = stylesFor()
  const state = found.state === 'dead-lettered' ? styles.red(found.state) : found.state === 'done' ? styles.green(found.state) : styles.yellow(found.state)
  const {searched} = found
  const notes = [
    searched.cutShort.length > 0 && `not read to the end (record limit): ${searched.cutShort.join(', ')}`,
    searched.retentionReached.length > 0 && `Kafka may have deleted older records of ${searched.retentionReached.join(', ')}`,
    searched.refused.length > 0 && `not allowed to read ${searched.refused.join(', ')}`,
  ].filter(Boolean)
  return [
    `${styles.bold(found.job ?? 'Job')} ${found.id} in queue ${found.queue}: ${state}`,
    found.summary,
    '',
    renderTable(
      ['Time', 'Step', 'Topic', 'Partition', 'Offset', 'Attempt', 'Detail'],
      found.history.map((step) => [localTime(step.time), step.kind, step.topic, step.partition, step.offset, step.attempt, detail(step)]),
    ),
    '',
    styles.dim(`Searched ${searched.queues.join(', ')} from ${localTime(searched.from)} to ${localTime(searched.to)}, at most ${searched.maxRecordsPerTopic} records a topic${notes.length > 0 ? `; ${notes.join('; ')}` : ''}.`),
  ].join('\n')
}
