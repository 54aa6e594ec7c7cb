/**
 * The prefix of the short-lived groups through which a worker of `workersGroup`, or `kq
 * batch:show` for it, reads the batch topic: one name to grant a prefixed ACL on (see lib/acl).
 */
export function batchReaderGroup(workersGroup: string): string {
  return `${workersGroup}-batches`
}
