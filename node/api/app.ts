/**
 * The relay's REST API: a Hono app on web-standard Request/Response. `app.fetch(request)` is
 * the only entry; tests call `app.request(...)` with no sockets, and `serve.ts` (later) puts it
 * on `node:http`. Every error is mapped once, in `errors.ts`.
 *
 * @example
 * const runtime = await createNodeRuntime()
 * const app = createApiApp(runtime)
 * const res = await app.request('/api/v1/flows', { method: 'POST', body: yamlText, headers: { 'content-type': 'application/yaml' } })
 */
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { ActionRegistry, ExecutionEngine, StateStore } from '../../src/index.js'
import { errorHandler, notFoundHandler, PayloadTooLargeError, wrapNonErrors } from './errors.js'
import type { ErrorHandlerInit } from './errors.js'
import { executionRoutes } from './routes/executions.js'
import { flowRoutes } from './routes/flows.js'
import { probeRoutes, systemRoutes } from './routes/health.js'
import { schemaRoutes } from './routes/schemas.js'

/** Default request body limit: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

export interface ApiAppInit extends ErrorHandlerInit {
  engine: ExecutionEngine
  actions: ActionRegistry
  store: StateStore
  /** Larger bodies are refused with 413 (default `DEFAULT_MAX_BODY_BYTES`). */
  maxBodyBytes?: number
  /** Epoch ms (default `Date.now`). */
  now?: () => number
}

export function createApiApp (init: ApiAppInit): Hono {
  const { engine, actions, store } = init
  const now = init.now ?? Date.now
  const maxBodyBytes = init.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const app = new Hono()
  app.onError(errorHandler(init))
  app.notFound(notFoundHandler)
  app.use('*', wrapNonErrors())
  app.use('*', bodyLimit({ maxSize: maxBodyBytes, onError: () => { throw new PayloadTooLargeError(maxBodyBytes) } }))
  app.route('/api/v1/flows', flowRoutes({ engine, actions, store, now: () => new Date(now()).toISOString() }))
  app.route('/api/v1/executions', executionRoutes({ engine, now }))
  app.route('/api/v1/system', systemRoutes({ store, now, startedAt: now() }))
  app.route('/api/v1/schemas', schemaRoutes())
  app.route('/health', probeRoutes({ store }))
  return app
}
