import {type KafkaConnectionConfig, type KqConfig, topicsForQueue} from '../config/index.js'
import {identifier, topicName} from '../config/values.js'
import {UsageError} from '../errors.js'
import {type AclBinding, withAclAdmin} from '../kafka/index.js'
import {type Role, type RoleBinding, type RoleScope, bindingKey, principalProblem, roleBindings} from './roles.js'

export {ROLES, type Role, type RoleBinding, type RoleScope, roleBindings} from './roles.js'

/** Who a role is for, and where: as the flags of `kq acl:grant` give them. */
export interface RoleRequest {
  role: Role
  principal: string
  /** Queue names; the default queue (KAFKA_QUEUE) when empty. */
  queues: string[]
  /** The workers' group; KAFKA_CONSUMER_GROUP when absent. */
  group?: string
}

/** `added` and `removed` are what this run changed; `exists` and `absent` were so already. */
export type BindingStatus = 'planned' | 'added' | 'exists' | 'removed' | 'absent'

export interface RoleChange {
  action: 'grant' | 'revoke'
  role: Role
  principal: string
  queues: string[]
  group: string
  dryRun: boolean
  acls: Array<RoleBinding & {status: BindingStatus}>
}

/** The scope of a request, with each queue's topics named as the rest of kq names them. */
export function roleScope(config: Pick<KqConfig, 'queue' | 'topic' | 'consumerGroup' | 'controlTopic' | 'batchTopic'>, request: RoleRequest): RoleScope {
  const problem = principalProblem(request.principal)
  if (problem !== undefined) throw new UsageError(problem)
  const queues = (request.queues.length > 0 ? request.queues : [config.queue]).map((queue) =>
    topicsForQueue(config, topicName({raw: queue, label: '--queue', fromCommandLine: true})),
  )
  const group = request.group === undefined ? config.consumerGroup : identifier({raw: request.group, label: '--group', fromCommandLine: true})
  return {principal: request.principal, queues, group, controlTopic: config.controlTopic, batchTopic: config.batchTopic}
}

/**
 * Adds the role's bindings that the principal lacks. A dry run asks Kafka nothing: an admin can
 * review the list before anyone connects.
 */
export async function grantRole(connection: KafkaConnectionConfig, role: Role, scope: RoleScope, options: {dryRun?: boolean} = {}): Promise<RoleChange> {
  const wanted = roleBindings(role, scope)
  const base = changeOf('grant', role, scope)
  if (options.dryRun) return {...base, dryRun: true, acls: wanted.map((binding) => ({...binding, status: 'planned'}))}
  const acls = await withAclAdmin(connection, async (admin) => {
    const existing = new Set((await admin.describeAcls({principal: scope.principal})).map((binding) => bindingKey(binding)))
    const missing = wanted.filter((binding) => !existing.has(bindingKey(binding)))
    await admin.createAcls(missing.map((binding) => withoutWhy(binding)))
    return wanted.map((binding) => ({...binding, status: existing.has(bindingKey(binding)) ? ('exists' as const) : ('added' as const)}))
  })
  return {...base, dryRun: false, acls}
}

/**
 * Removes the role's bindings. A binding another role of the same principal also holds goes
 * too: Kafka keeps one binding, not one per reason (grant that role again to restore it).
 */
export async function revokeRole(connection: KafkaConnectionConfig, role: Role, scope: RoleScope, options: {dryRun?: boolean} = {}): Promise<RoleChange> {
  const wanted = roleBindings(role, scope)
  const base = changeOf('revoke', role, scope)
  if (options.dryRun) return {...base, dryRun: true, acls: wanted.map((binding) => ({...binding, status: 'planned'}))}
  const acls = await withAclAdmin(connection, async (admin) => {
    const removed = new Set((await admin.deleteAcls(wanted.map((binding) => withoutWhy(binding)))).map((binding) => bindingKey(binding)))
    return wanted.map((binding) => ({...binding, status: removed.has(bindingKey(binding)) ? ('removed' as const) : ('absent' as const)}))
  })
  return {...base, dryRun: false, acls}
}

/** The cluster's ACLs, or one principal's. */
export async function listAcls(connection: KafkaConnectionConfig, principal?: string): Promise<AclBinding[]> {
  if (principal !== undefined) {
    const problem = principalProblem(principal)
    if (problem !== undefined) throw new UsageError(problem)
  }

  return withAclAdmin(connection, async (admin) => admin.describeAcls(principal === undefined ? {} : {principal}))
}

function changeOf(action: RoleChange['action'], role: Role, scope: RoleScope) {
  return {action, role, principal: scope.principal, queues: scope.queues.map((queue) => queue.queue), group: scope.group}
}

function withoutWhy({why: _why, ...binding}: RoleBinding): AclBinding {
  return binding
}
