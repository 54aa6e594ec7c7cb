import {Flags} from '@oclif/core'

import {KqCommand} from '../../base-command.js'
import {listAcls} from '../../lib/acl/index.js'
import {type AclBinding} from '../../lib/kafka/index.js'
import {renderAclList} from '../../lib/output/acl.js'
import {brokersFlag} from '../../shared/flags.js'

export interface AclListResult {
  acls: AclBinding[]
}

export default class AclList extends KqCommand {
  static override summary = "List the cluster's ACLs, or one principal's."
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --principal User:orders-worker --json']

  static override flags = {
    principal: Flags.string({char: 'p', description: 'Only the ACLs of this principal, User:NAME.'}),
    brokers: brokersFlag,
  }

  async run(): Promise<AclListResult> {
    const {flags} = await this.parse(AclList)
    const config = this.loadConfig(flags)
    const acls = await listAcls(config.kafka, flags.principal)
    this.log(renderAclList(acls))
    return {acls}
  }
}
