import {type BindingStatus, type RoleChange} from '../acl/index.js'
import {type AclBinding} from '../kafka/index.js'
import {stylesFor} from './styles.js'
import {renderTable} from './table.js'

/** Kafka's spelling of an operation, as its tools and docs print it: `IDEMPOTENT_WRITE`. */
function operationName(binding: AclBinding): string {
  return binding.operation.toUpperCase().replaceAll('-', '_')
}

/** A role's bindings, what happened to each, and the command path that needs it. */
export function renderRoleChange(change: RoleChange): string {
  const styles = stylesFor()
  const colour: Record<BindingStatus, (text: string) => string> = {
    planned: styles.yellow,
    added: styles.green,
    exists: styles.dim,
    removed: styles.green,
    absent: styles.dim,
  }
  const done = change.action === 'grant' ? 'Granted' : 'Revoked'
  const verb = change.dryRun ? `${change.action === 'grant' ? 'Would grant' : 'Would revoke'} (nothing applied)` : done
  const title = `${verb}: ${change.role} for ${change.principal} on queue ${change.queues.join(', ')}, group ${change.group}`
  const table = renderTable(
    ['Resource', 'Pattern', 'Name', 'Operation', 'Status', 'Needed by'],
    change.acls.map((acl) => [acl.resourceType, acl.pattern, acl.name, operationName(acl), colour[acl.status](acl.status), acl.why]),
  )
  return `${title}\n${table}`
}

export function renderAclList(bindings: AclBinding[]): string {
  if (bindings.length === 0) return 'No ACLs.'
  return renderTable(
    ['Principal', 'Resource', 'Pattern', 'Name', 'Operation', 'Permission', 'Host'],
    bindings.map((acl) => [acl.principal, acl.resourceType, acl.pattern, acl.name, operationName(acl), acl.permission.toUpperCase(), acl.host]),
  )
}
