import {type Context, Hono} from 'hono'

import {UsageError} from '../errors.js'
import {type AccessPolicy, CSRF_HEADER, TOKEN_COOKIE, judgeRequest} from './access.js'
import {type PageAssets} from './assets.js'
import {type DashboardData} from './data.js'
import {errorResponse} from './errors.js'
import {filterOf, flagOf, limitOf, optionalQueue, queueField, targetOf} from './query.js'

export interface AppOptions extends AccessPolicy {
  /** kq's version, shown on the page. */
  version: string
  /** Told about failures kq did not expect, with their stack, for the server's log. */
  onUnexpected?: (error: unknown) => void
}

/**
 * The dashboard's HTTP face: the page, its vendor files and the JSON API the page uses. Every
 * request passes judgeRequest first; every failure is a JSON {error} with a status.
 */
export function dashboardApp(data: DashboardData, assets: PageAssets, options: AppOptions): Hono {
  const app = new Hono()

  app.use('*', async (c, next) => {
    const verdict = judgeRequest(
      {
        method: c.req.method,
        path: c.req.path,
        authorization: c.req.header('authorization'),
        cookie: c.req.header('cookie'),
        queryToken: c.req.query('token'),
        csrf: c.req.header(CSRF_HEADER),
        host: c.req.header('host'),
      },
      options,
    )
    if (!verdict.allowed) return c.json({error: verdict.error}, verdict.status)
    await next()
    if (verdict.setCookie !== undefined) {
      c.header('Set-Cookie', `${TOKEN_COOKIE}=${encodeURIComponent(verdict.setCookie)}; Path=/; HttpOnly; SameSite=Strict`)
    }

    c.header('X-Content-Type-Options', 'nosniff')
    c.header('Cache-Control', 'no-store')
  })

  for (const [path, asset] of assets.files) {
    app.get(path, (c) => {
      c.header('Content-Type', asset.type)
      if (path === '/') c.header('Content-Security-Policy', assets.policy)
      return c.body(asset.body)
    })
  }

  app.get('/api/meta', (c) => c.json({version: options.version, readOnly: options.readOnly}))
  app.get('/api/queues', async (c) => c.json(await data.queues()))
  app.get('/api/workers', async (c) => c.json(await data.workers()))
  app.get('/api/dead-letters', async (c) => {
    const query = c.req.query()
    return c.json(await data.deadLetters({queue: optionalQueue(query.queue), filter: filterOf(query), limit: limitOf(query.limit)}))
  })
  app.get('/api/dead-letters/:queue/:id', async (c) => c.json(await data.deadLetter(queueField(c.req.param('queue')), c.req.param('id'))))
  app.get('/api/jobs/:id', async (c) => c.json(await data.job(c.req.param('id'), optionalQueue(c.req.query('queue')))))
  app.get('/api/batches', async (c) => c.json(await data.batches(flagOf(c.req.query('running'), 'running'))))
  app.get('/api/batches/:id', async (c) => c.json(await data.batch(c.req.param('id'))))
  app.post('/api/dead-letters/replay', async (c) => c.json(await data.replay(targetOf(await jsonBody(c)))))
  app.post('/api/dead-letters/purge', async (c) => c.json(await data.purge(targetOf(await jsonBody(c)))))

  app.notFound((c) => {
    const error = c.req.path.startsWith('/api/') ? `no such API: ${c.req.method} ${c.req.path} (see the README's Dashboard section)` : `no such page: ${c.req.path}`
    return c.json({error}, 404)
  })
  app.onError((error, c) => {
    const {status, body} = errorResponse(error)
    if (status === 500) options.onUnexpected?.(error)
    return c.json(body, status)
  })
  return app
}

async function jsonBody(c: Context): Promise<unknown> {
  if (!(c.req.header('content-type') ?? '').includes('application/json')) throw new UsageError('send the body as JSON, with Content-Type: application/json')
  try {
    return await c.req.json()
  } catch {
    throw new UsageError('the body is not valid JSON')
  }
}
