import {type TopicPlanRow, type TopicStatus} from '../topics/plan.js'
import {stylesFor} from './styles.js'
import {renderTable} from './table.js'

export function renderTopicPlan(rows: TopicPlanRow[]): string {
  const styles = stylesFor()
  const colour: Record<TopicStatus, (text: string) => string> = {
    created: styles.green,
    exists: styles.dim,
    mismatch: styles.red,
  }
  return renderTable(
    ['Topic', 'Role', 'Partitions', 'Replication', 'Min in sync', 'Status'],
    rows.map((row) => [
      row.name,
      row.role,
      row.partitions,
      row.replicationFactor,
      row.minInsyncReplicas ?? '?',
      colour[row.status](row.differences.length > 0 ? `${row.status}: ${row.differences.join('; ')}` : row.status),
    ]),
  )
}
