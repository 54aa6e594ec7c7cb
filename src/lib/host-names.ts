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
