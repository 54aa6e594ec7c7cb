const LOOPBACK = new Set(['localhost', '::1', '[::1]'])

/** Loopback addresses reach only this machine: what is served there is not open to others. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127(\.\d{1,3}){3}$/.test(host)
}

/**
 * Whether DNS says a host name does not exist (ENOTFOUND), the one answer that means the name is
 * wrong: a lookup that failed for now (EAI_AGAIN) or an address is not refused on its account.
 * The DNS module is loaded here, on the first question: most runs never ask one.
 */
export async function isUnknownHostName(host: string): Promise<boolean> {
  const {lookup} = await import('node:dns/promises')
  try {
    await lookup(host)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOTFOUND'
  }
}
