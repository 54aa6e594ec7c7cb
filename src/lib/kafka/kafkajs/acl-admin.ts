import kafkajs, {type Admin, type AclEntry, type AclFilter} from 'kafkajs'

import {type KafkaConnectionConfig} from '../../config/index.js'
import {KafkaRefusedError} from '../../errors.js'
import {type AclAdmin, type AclBinding, type AclOperation, type AclResourceType} from '../types.js'
import {openAdmin} from './client.js'
import {translateKafkaError} from './errors.js'

const {AclOperationTypes, AclPermissionTypes, AclResourceTypes, KafkaJSProtocolError, ResourcePatternTypes} = kafkajs

const RESOURCE_TYPES: Record<AclResourceType, number> = {
  topic: AclResourceTypes.TOPIC,
  group: AclResourceTypes.GROUP,
  cluster: AclResourceTypes.CLUSTER,
  'transactional-id': AclResourceTypes.TRANSACTIONAL_ID,
}

const OPERATIONS: Record<AclOperation, number> = {
  all: AclOperationTypes.ALL,
  read: AclOperationTypes.READ,
  write: AclOperationTypes.WRITE,
  create: AclOperationTypes.CREATE,
  delete: AclOperationTypes.DELETE,
  alter: AclOperationTypes.ALTER,
  describe: AclOperationTypes.DESCRIBE,
  'cluster-action': AclOperationTypes.CLUSTER_ACTION,
  'describe-configs': AclOperationTypes.DESCRIBE_CONFIGS,
  'alter-configs': AclOperationTypes.ALTER_CONFIGS,
  'idempotent-write': AclOperationTypes.IDEMPOTENT_WRITE,
}

const PATTERNS = {literal: ResourcePatternTypes.LITERAL, prefixed: ResourcePatternTypes.PREFIXED}
const PERMISSIONS = {allow: AclPermissionTypes.ALLOW, deny: AclPermissionTypes.DENY}

/** The key of `table` whose value is `code`; undefined for a code kq has no word for. */
function wordFor<K extends string>(table: Record<K, number>, code: number): K | undefined {
  return (Object.keys(table) as K[]).find((key) => table[key] === code)
}

function toEntry(binding: AclBinding): AclEntry {
  return {
    principal: binding.principal,
    host: binding.host,
    resourceType: RESOURCE_TYPES[binding.resourceType],
    resourceName: binding.name,
    resourcePatternType: PATTERNS[binding.pattern],
    operation: OPERATIONS[binding.operation],
    permissionType: PERMISSIONS[binding.permission],
  } as AclEntry
}

/** A binding as kq speaks of it; undefined for one on a resource or operation kq never grants. */
function fromEntry(entry: AclEntry): AclBinding | undefined {
  const resourceType = wordFor(RESOURCE_TYPES, entry.resourceType)
  const pattern = wordFor(PATTERNS, entry.resourcePatternType)
  const operation = wordFor(OPERATIONS, entry.operation)
  const permission = wordFor(PERMISSIONS, entry.permissionType)
  if (!resourceType || !pattern || !operation || !permission) return undefined
  return {principal: entry.principal, host: entry.host, resourceType, name: entry.resourceName, pattern, operation, permission}
}

function byResource(a: AclBinding, b: AclBinding): number {
  return (
    a.principal.localeCompare(b.principal) ||
    a.resourceType.localeCompare(b.resourceType) ||
    a.name.localeCompare(b.name) ||
    a.pattern.localeCompare(b.pattern) ||
    a.operation.localeCompare(b.operation)
  )
}

class KafkaAclAdmin implements AclAdmin {
  constructor(
    private readonly admin: Admin,
    private readonly brokers: string[],
  ) {}

  async createAcls(bindings: AclBinding[]): Promise<void> {
    if (bindings.length === 0) return
    await this.call('creating ACLs', () => this.admin.createAcls({acl: bindings.map((binding) => toEntry(binding))}))
  }

  async describeAcls(filter: {principal?: string} = {}): Promise<AclBinding[]> {
    const {resources} = await this.call('describing ACLs', () => this.admin.describeAcls(anyFilter(filter.principal)))
    return resources
      .flatMap((resource) => resource.acls.map((acl) => fromEntry({...resource, ...acl})))
      .filter((binding): binding is AclBinding => binding !== undefined)
      .sort(byResource)
  }

  async deleteAcls(bindings: AclBinding[]): Promise<AclBinding[]> {
    if (bindings.length === 0) return []
    // An exact filter per binding: a filter matches only bindings with every field equal.
    const {filterResponses} = await this.call('deleting ACLs', () =>
      this.admin.deleteAcls({filters: bindings.map((binding) => toEntry(binding) as AclFilter)}),
    )
    const failed = filterResponses.find((response) => response.errorCode !== 0)
    if (failed) throw new KafkaRefusedError(`Kafka refused to delete ACLs: ${failed.errorMessage ?? `error code ${failed.errorCode}`}`)
    return filterResponses
      .flatMap((response) => response.matchingAcls.map((acl) => fromEntry(acl as AclEntry)))
      .filter((binding): binding is AclBinding => binding !== undefined)
      .sort(byResource)
  }

  async close(): Promise<void> {
    await this.admin.disconnect()
  }

  private async call<T>(action: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request()
    } catch (error) {
      // Without an authorizer Kafka keeps no ACLs; say so rather than "request failed".
      if (error instanceof KafkaJSProtocolError && error.type === 'SECURITY_DISABLED') {
        throw new KafkaRefusedError(
          `Kafka has no authorizer on ${this.brokers.join(',')}, so it keeps no ACLs (SECURITY_DISABLED): set authorizer.class.name on the brokers, or start a local one with \`kq kafka:up --sasl\``,
          {cause: error},
        )
      }

      throw translateKafkaError(error, {brokers: this.brokers, action})
    }
  }
}

/** Every binding, of one principal or of all. */
function anyFilter(principal: string | undefined): AclFilter {
  return {
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
    ...(principal !== undefined && {principal}),
  } as AclFilter
}

export async function openAclAdmin(connection: KafkaConnectionConfig): Promise<AclAdmin> {
  const {admin} = await openAdmin(connection)
  return new KafkaAclAdmin(admin, connection.brokers)
}
