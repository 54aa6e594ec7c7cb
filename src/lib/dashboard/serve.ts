import {type AddressInfo} from 'node:net'

import {createAdaptorServer} from '@hono/node-server'

import {type KqConfig} from '../config/index.js'
import {UsageError} from '../errors.js'
import {assertSafeBinding, hostNotFoundError} from './access.js'
import {loadPageAssets} from './assets.js'
import {DashboardData} from './data.js'
import {type AppOptions, dashboardApp} from './server.js'
import {type DashboardOptions} from './options.js'

export interface RunningDashboard {
  /** Where to open it, with the token when there is one. */
  url: string
  /** The address with ?token=, for the browser `--open` starts; never printed. */
  openUrl: string
  close(): Promise<void>
}

/**
 * Starts the dashboard's server. The one module the `kq dashboard` command imports dynamically:
 * the web server and its page stay out of every other command's start-up.
 */
export async function startDashboard(config: KqConfig, options: DashboardOptions & Pick<AppOptions, 'version' | 'onUnexpected'>): Promise<RunningDashboard> {
  await assertSafeBinding(options.host, options.token)
  const data = new DashboardData(config)
  const app = dashboardApp(data, loadPageAssets(), options)
  const server = createAdaptorServer({fetch: app.fetch})
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, options)))
    server.listen(options.port, options.host, () => resolve())
  }).catch(async (error) => {
    await data.close()
    throw error
  })
  const {port} = server.address() as AddressInfo
  const host = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host
  const url = `http://${host}:${port}`
  return {
    url,
    // Only for the browser --open starts: the token is never printed (it is a secret, like a password).
    openUrl: options.token === undefined ? url : `${url}/?token=${encodeURIComponent(options.token)}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        // Open pages keep connections alive; a stop must not wait for them.
        if ('closeAllConnections' in server) server.closeAllConnections()
      })
      await data.close()
    },
  }
}

function listenError(error: NodeJS.ErrnoException, options: DashboardOptions): Error {
  if (error.code === 'EADDRINUSE') return new UsageError(`port ${options.port} on ${options.host} is in use: pass --port with a free one (or stop what listens there)`)
  if (error.code === 'ENOTFOUND') return hostNotFoundError(options.host)
  if (error.code === 'EADDRNOTAVAIL') return new UsageError(`cannot listen on ${options.host}: it is not an address of this machine (see --host)`)
  if (error.code === 'EACCES') return new UsageError(`may not listen on port ${options.port}: ports under 1024 need more rights; pass --port 8080`)
  return error
}
