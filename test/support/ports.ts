import net from 'node:net'

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen({port, host: '127.0.0.1', exclusive: true}, () => server.close(() => resolve(true)))
  })
}

/**
 * Linux hands out outgoing connections' own ports from 32768 up: a node of a test's cluster
 * that is killed and restarted could find its port taken by one of them meanwhile (as a busy
 * test run makes thousands), and fail to start. Clusters take ports below that range.
 */
const EPHEMERAL_PORTS_FROM = 32_768

/** A run of `count` consecutive free loopback ports, for a cluster that must not clash. */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (EPHEMERAL_PORTS_FROM - 20_000 - count))
    const ports = Array.from({length: count}, (_, index) => base + index)
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return base
  }

  throw new Error(`no ${count} consecutive free ports found`)
}

/** A port that nothing listens on: connections to it are refused at once. */
export async function closedPort(): Promise<number> {
  return freePortRange(1)
}
