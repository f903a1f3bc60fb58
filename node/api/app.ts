/**
 * The relay's REST API: a Hono app on web-standard Request/Response. `app.fetch(request)` is
 * the only entry; tests call `app.request(...)` with no sockets, and `serve.ts` puts it on
 * `node:http` (with the WebSocket streams of `ws.ts`). Every error is mapped once, in `errors.ts`.
 *
 * Order of the middleware: non-errors wrapped, body limit, authentication (`auth/`: sets the
 * request's `Access`), then the routes.
 *
 * @example
 * const runtime = await createNodeRuntime()
 * const app = createApiApp({ ...runtime, dao: daoViewOf(runtime.trust), auth: createApiAuth({ tokens: fileTokenStore(dataDir), admins: [owner.id] }) })
 * const res = await app.request('/api/v1/flows', { method: 'POST', body: yamlText, headers: { 'content-type': 'application/yaml', authorization: `Bearer ${token}` } })
 */
import { Hono } from 'hono'
import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { ActionRegistry, ExecutionEngine, StateStore } from '../../src/index.js'
import { authMiddleware } from './auth/index.js'
import type { ApiAuth } from './auth/index.js'
import { docsPage } from './docs-page.js'
import { errorHandler, notFoundHandler, PayloadTooLargeError, wrapNonErrors } from './errors.js'
import type { ErrorHandlerInit } from './errors.js'
import { openApiDocument } from './openapi.js'
import { executionRoutes } from './routes/executions.js'
import { daoRoutes } from './routes/dao.js'
import type { DaoView } from './routes/dao.js'
import { flowRoutes } from './routes/flows.js'
import type { AdmittedStart } from './routes/flows.js'
import { nodeRoutes } from './routes/nodes.js'
import { probeRoutes, systemRoutes } from './routes/health.js'
import { schemaRoutes } from './routes/schemas.js'
import { webhookRoutes } from './routes/webhooks.js'
import { systemMetrics } from './system-metrics.js'
import type { SystemMetrics, SystemMetricsSources } from './system-metrics.js'
import { streamRoutes } from './ws.js'
import { eventRoutes } from './routes/events.js'
import type { EventPublisher } from './routes/events.js'

/** Default request body limit: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

export interface ApiAppInit extends ErrorHandlerInit {
  engine: ExecutionEngine
  actions: ActionRegistry
  store: StateStore
  /** Credentials, permissions, rate limits (`createApiAuth`); absent: the API is open. */
  auth?: ApiAuth
  /** System metrics (`systemMetrics({ engine, sources })`); absent: one is made from `metricsSources`. */
  metrics?: SystemMetrics
  /** Optional figures for the metrics made here: validation cache, sandbox pool, peers. */
  metricsSources?: SystemMetricsSources
  /** Default interval of `/ws/system/metrics` (ms, default 1000). */
  metricsIntervalMs?: number
  /** Larger bodies are refused with 413 (default `DEFAULT_MAX_BODY_BYTES`). */
  maxBodyBytes?: number
  /** Epoch ms (default `Date.now`). */
  now?: () => number
  /** Live peers for `GET /api/v1/system/nodes` (absent: no network, the route is a 404). */
  nodes?: () => Promise<unknown[]>
  /**
   * Admits a start operation the caller signed, as its signer (the relay passes `runtime.start`);
   * absent: start bodies with an `operation` are refused (400).
   */
  start?: AdmittedStart
  /** The DAO registry, read-only, for `GET /api/v1/dao/subnets` (`daoViewOf(runtime.trust)`; absent: the routes are 404). */
  dao?: DaoView
  /** Publishes external events on the network (`POST /api/v1/events`); absent: no such route. */
  events?: EventPublisher
  /** Other nodes' execution events (the network's gossip), streamed on `/ws/dao/:daoId/events`. */
  remoteEvents?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>
}

export function createApiApp (init: ApiAppInit): Hono {
  const { engine, actions, store } = init
  const now = init.now ?? Date.now
  const maxBodyBytes = init.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const log = init.log ?? ((message, err) => { process.stderr.write(`qflow:api ${message}: ${(err as Error)?.stack ?? String(err)}\n`) })
  const metrics = init.metrics ?? systemMetrics({ engine, now, ...(init.metricsSources != null ? { sources: init.metricsSources } : {}) })
  const app = new Hono()
  app.onError(errorHandler({ log }))
  app.notFound(notFoundHandler)
  app.use('*', wrapNonErrors())
  app.use('*', sizeLimit(maxBodyBytes))
  app.use('*', authMiddleware(init.auth))
  app.route('/api/v1/flows', flowRoutes({ engine, actions, store, now: () => new Date(now()).toISOString(), ...(init.start != null ? { start: init.start } : {}) }))
  app.route('/api/v1/executions', executionRoutes({ engine, store, now }))
  app.route('/api/v1/webhooks', webhookRoutes({ engine }))
  app.route('/api/v1/system', systemRoutes({ store, now, startedAt: now(), metrics }))
  if (init.nodes != null) app.route('/api/v1/system/nodes', nodeRoutes({ nodes: init.nodes }))
  if (init.dao != null) app.route('/api/v1/dao', daoRoutes({ dao: init.dao }))
  if (init.events != null) app.route('/api/v1/events', eventRoutes({ publisher: init.events }))
  app.route('/api/v1/schemas', schemaRoutes())
  const document = openApiDocument()
  const page = docsPage(document)
  app.get('/api/v1/openapi.json', (c) => c.json(document))
  app.get('/api/v1/docs', (c) => c.html(page))
  app.get('/metrics', async (c) => c.body(await metrics.text(), 200, { 'content-type': metrics.contentType }))
  app.route('/health', probeRoutes({ store }))
  app.route('/ws', streamRoutes({ engine, metrics, now, log, ...(init.remoteEvents != null ? { remote: init.remoteEvents } : {}), ...(init.metricsIntervalMs != null ? { metricsIntervalMs: init.metricsIntervalMs } : {}) }))
  return app
}

/**
 * 413 over `maxBytes`. hono's `bodyLimit` reads the body stream, which makes the Node adapter
 * build a full web Request per call; with a `content-length` (and no chunked encoding) Node's
 * HTTP parser already holds the body to that length, so the header decides, and only
 * chunked bodies are counted as they stream.
 */
function sizeLimit (maxBytes: number): MiddlewareHandler {
  const counted = bodyLimit({ maxSize: maxBytes, onError: () => { throw new PayloadTooLargeError(maxBytes) } })
  return async (c, next) => {
    const { method, headers } = c.req.raw
    if (method === 'GET' || method === 'HEAD') return await next()
    const length = headers.get('content-length')
    if (length != null && !headers.has('transfer-encoding')) {
      if (Number(length) > maxBytes) throw new PayloadTooLargeError(maxBytes)
      return await next()
    }
    return await counted(c, next)
  }
}
