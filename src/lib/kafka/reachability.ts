import net from 'node:net'

const SOCKET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
}

/**
 * Undefined when a broker accepts a TCP connection within `timeoutMs`; else why none did. For
 * a check that must not wait: a client retries a refused connection for seconds, and keeps the
 * process alive meanwhile, where a plain connection says at once that nobody is there.
 */
export async function probeBrokers(brokers: string[], timeoutMs: number): Promise<string | undefined> {
  const reasons = await Promise.all(brokers.map((broker) => probe(broker, timeoutMs)))
  return reasons.includes(undefined) ? undefined : reasons[0]
}

/** A broker's `host:port` (an IPv6 host in brackets) as its host and port. */
export function brokerAddress(broker: string): {host: string; port: number} {
  const colon = broker.lastIndexOf(':')
  return {host: broker.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(broker.slice(colon + 1))}
}

async function probe(broker: string, timeoutMs: number): Promise<string | undefined> {
  const {host, port} = brokerAddress(broker)
  return new Promise((resolve) => {
    const socket = net.connect({host, port})
    const done = (reason: string | undefined) => {
      socket.destroy()
      resolve(reason)
    }

    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs / 1000}s`))
    socket.once('connect', () => done(undefined))
    socket.once('error', (error: NodeJS.ErrnoException) => done(SOCKET_REASONS[error.code ?? ''] ?? error.message))
  })
}
