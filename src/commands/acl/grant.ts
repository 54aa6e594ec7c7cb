import {KqCommand} from '../../base-command.js'
import {type Role, type RoleChange, grantRole, roleScope} from '../../lib/acl/index.js'
import {renderRoleChange} from '../../lib/output/acl.js'
import {aclRoleFlags} from '../../shared/flags.js'

export default class AclGrant extends KqCommand {
  static override summary = 'Grant a principal exactly the ACLs a kq role needs on some queues.'
  static override description =
    'dispatcher: write jobs to the queue and its delay topics. worker: read the queue, retry and delay topics and the group, ' +
    'write retries, delays and dead letters, read the control topic. operator: what kq status, dlt:*, pause, continue and restart need. ' +
    'Bindings the principal has already are left alone. Run it as a Kafka admin (a principal allowed to alter ACLs).'

  static override examples = [
    '<%= config.bin %> <%= command.id %> --role worker --principal User:orders-worker --queue orders --group orders-workers',
    '<%= config.bin %> <%= command.id %> --role dispatcher --principal User:web --queue orders --queue emails',
    '<%= config.bin %> <%= command.id %> --role operator --principal User:ops --queue orders --dry-run',
  ]

  static override flags = aclRoleFlags()

  async run(): Promise<RoleChange> {
    const {flags} = await this.parse(AclGrant)
    const config = this.loadConfig(flags)
    const request = {role: flags.role as Role, principal: flags.principal, queues: flags.queue ?? [], group: flags.group}
    const change = await grantRole(config.kafka, request.role, roleScope(config, request), {dryRun: flags['dry-run']})
    this.log(renderRoleChange(change))
    return change
  }
}
