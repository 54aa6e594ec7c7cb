/** The port that reads and changes the cluster's ACLs (kq acl:grant, acl:list, acl:revoke). */

/** What an ACL is on: Kafka's resource types that kq grants on. */
export type AclResourceType = 'topic' | 'group' | 'cluster' | 'transactional-id'

/** Operations as Kafka names them in ACLs (AclOperation), in kq's spelling. */
export type AclOperation =
  | 'all'
  | 'read'
  | 'write'
  | 'create'
  | 'delete'
  | 'alter'
  | 'describe'
  | 'cluster-action'
  | 'describe-configs'
  | 'alter-configs'
  | 'idempotent-write'

/**
 * One access control entry on one resource: Kafka's ACL binding. `prefixed` matches every
 * resource whose name starts with `name`; `literal` only that name (`*` for all).
 */
export interface AclBinding {
  /** `User:alice`: Kafka's principal type and name. */
  principal: string
  /** The client address it applies to; `*` for any. */
  host: string
  resourceType: AclResourceType
  name: string
  pattern: 'literal' | 'prefixed'
  operation: AclOperation
  permission: 'allow' | 'deny'
}

/** Reads and changes the cluster's ACLs; Kafka refuses unless an authorizer is configured. */
export interface AclAdmin {
  /** Adds the bindings; adding one that exists already changes nothing. */
  createAcls(bindings: AclBinding[]): Promise<void>
  /** Every binding, or those of one principal; sorted by resource, then operation. */
  describeAcls(filter?: {principal?: string}): Promise<AclBinding[]>
  /** Removes exactly these bindings, and returns those that existed. */
  deleteAcls(bindings: AclBinding[]): Promise<AclBinding[]>
  close(): Promise<void>
}
