import {createServer} from 'node:http'

import {type Registry} from 'prom-client'

import {ConfigError} from '../errors.js'

export interface MetricsServer {
  /** Where Prometheus scrapes, e.g. http://127.0.0.1:9464/metrics. */
  url: string
  close(): Promise<void>
}

/**
 * Serves a registry's metrics at GET /metrics, the path Prometheus scrapes by default; every
 * other path is a 404. Resolves once listening; a port that is taken or not ours to take is a
 * ConfigError naming the setting, so that the worker never starts without the metrics it was
 * asked for.
 */
export async function serveMetrics(registry: Registry, where: {port: number; host: string}): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0]
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, {'content-type': 'text/plain; charset=utf-8'}).end('Not found: metrics are at GET /metrics\n')
      return
    }

    registry.metrics().then(
      (text) => response.writeHead(200, {'content-type': registry.contentType}).end(request.method === 'HEAD' ? undefined : text),
      (error: unknown) => response.writeHead(500, {'content-type': 'text/plain; charset=utf-8'}).end(`metrics failed: ${String(error)}\n`),
    )
  })
  // A scrape in progress must not keep a stopped worker's process alive.
  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      // An address this machine does not have is the host's fault, not the port's.
      if (error.code === 'ENOTFOUND') {
        reject(new ConfigError(`metrics host ${where.host} does not resolve (no DNS server knows it): set --metrics-host or KQ_METRICS_HOST to an address of this machine, such as 127.0.0.1 or 0.0.0.0`))
        return
      }

      const badHost = error.code === 'EADDRNOTAVAIL' || error.code === 'EAI_AGAIN'
      if (badHost) {
        reject(new ConfigError(`metrics host ${where.host} is not an address of this machine (${error.code}): set --metrics-host or KQ_METRICS_HOST to one, such as 127.0.0.1 or 0.0.0.0`))
        return
      }

      const taken = error.code === 'EADDRINUSE'
      const denied = error.code === 'EACCES'
      const detail = taken ? 'is in use by another process' : denied ? 'may not be opened by this user' : `cannot be opened (${error.message})`
      reject(new ConfigError(`metrics port ${where.host}:${where.port} ${detail}: choose another with --metrics-port or KQ_METRICS_PORT`))
    })
    server.listen(where.port, where.host, resolve)
  })
  server.unref()
  const shown = where.host.includes(':') ? `[${where.host}]` : where.host
  return {
    url: `http://${shown}:${where.port}/metrics`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
