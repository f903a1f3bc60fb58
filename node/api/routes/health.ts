/**
 * Health: `/api/v1/system/health` (a summary) and the probes `/health/live` (the process
 * answers), `/health/ready` (the state store answers) and `/health/startup` (the engine started).
 */
import { Hono } from 'hono'
import type { StateStore } from '../../../src/index.js'
import type { SystemMetrics } from '../system-metrics.js'

export interface HealthRoutesComponents {
  store: Pick<StateStore, 'listExecutions' | 'listFlows'>
  /** Epoch ms. */
  now: () => number
  startedAt: number
  /** `/api/v1/system/metrics`: the figures of `/metrics` as JSON. */
  metrics: Pick<SystemMetrics, 'json'>
}

export function systemRoutes ({ store, now, startedAt, metrics }: HealthRoutesComponents): Hono {
  const app = new Hono()
  app.get('/health', async (c) => {
    const [active, flows] = await Promise.all([store.listExecutions({ active: true }), store.listFlows()])
    return c.json({ status: 'ok', uptimeMs: now() - startedAt, flows: flows.length, executions: { active: active.length } })
  })
  app.get('/metrics', async (c) => c.json(await metrics.json()))
  return app
}

export function probeRoutes ({ store }: Pick<HealthRoutesComponents, 'store'>): Hono {
  const app = new Hono()
  app.get('/live', (c) => c.json({ status: 'ok' }))
  // the app exists only once createNodeRuntime() has resolved, i.e. the engine has started
  app.get('/startup', (c) => c.json({ status: 'ok' }))
  app.get('/ready', async (c) => {
    try {
      await store.listExecutions({ active: true })
      return c.json({ status: 'ok' })
    } catch (err) {
      return c.json({ status: 'unavailable', message: (err as Error)?.message ?? String(err) }, 503)
    }
  })
  return app
}
