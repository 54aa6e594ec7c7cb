import {KqCommand} from '../../base-command.js'
import {type Role, type RoleChange, revokeRole, roleScope} from '../../lib/acl/index.js'
import {renderRoleChange} from '../../lib/output/acl.js'
import {aclRoleFlags} from '../../shared/flags.js'

export default class AclRevoke extends KqCommand {
  static override summary = 'Remove the ACLs that `kq acl:grant` gives a role, with the same flags.'
  static override description =
    'Removes each binding of the role for those queues and group. A binding that another role of the same principal ' +
    'also needs (an operator and a dispatcher both write the queue topic) goes too: grant that role again afterwards.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> --role worker --principal User:orders-worker --queue orders --group orders-workers',
    '<%= config.bin %> <%= command.id %> --role dispatcher --principal User:web --queue orders --dry-run',
  ]

  static override flags = aclRoleFlags()

  async run(): Promise<RoleChange> {
    const {flags} = await this.parse(AclRevoke)
    const config = this.loadConfig(flags)
    const request = {role: flags.role as Role, principal: flags.principal, queues: flags.queue ?? [], group: flags.group}
    const change = await revokeRole(config.kafka, request.role, roleScope(config, request), {dryRun: flags['dry-run']})
    this.log(renderRoleChange(change))
    return change
  }
}
