/**
 * The prefix of the short-lived groups through which a worker of `workersGroup`, or `kq status`
 * for it, reads the control topic: one name to grant a prefixed ACL on (see lib/acl).
 */
export function controlReaderGroup(workersGroup: string): string {
  return `${workersGroup}-control`
}
