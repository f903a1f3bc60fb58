/**
 * `/api/v1/executions/:id`: status (the `ExecutionState` JSON `qflow status --json` prints),
 * pause, resume, abort, the event log and metrics.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import type { ExecutionEngine } from '../../../src/index.js'
import { readJson } from '../body.js'
import { executionMetrics } from '../metrics.js'

export interface ExecutionRoutesComponents {
  engine: Pick<ExecutionEngine, 'getExecutionStatus' | 'pauseExecution' | 'resumeExecution' | 'abortExecution' | 'getLog'>
  /** Epoch ms, for the duration of live executions. */
  now: () => number
}

const Empty = z.strictObject({}, { error: 'must be an object' })
const AbortBody = z.strictObject({
  reason: z.string({ error: 'must be a string' }).max(1000, { error: 'must be at most 1000 characters' }).optional()
}, { error: 'must be an object' })

export function executionRoutes ({ engine, now }: ExecutionRoutesComponents): Hono {
  const app = new Hono()

  app.get('/:id', async (c) => c.json(await engine.getExecutionStatus(c.req.param('id'))))

  app.post('/:id/pause', async (c) => {
    const id = c.req.param('id')
    await readJson(c, Empty)
    await engine.pauseExecution(id)
    return c.json(await engine.getExecutionStatus(id))
  })

  app.post('/:id/resume', async (c) => {
    const id = c.req.param('id')
    await readJson(c, Empty)
    await engine.resumeExecution(id)
    return c.json(await engine.getExecutionStatus(id))
  })

  app.post('/:id/abort', async (c) => {
    const id = c.req.param('id')
    const { reason } = await readJson(c, AbortBody)
    await engine.abortExecution(id, reason)
    return c.json(await engine.getExecutionStatus(id))
  })

  app.get('/:id/logs', async (c) => {
    const id = c.req.param('id')
    await engine.getExecutionStatus(id) // 404 for an unknown id (the log of one is just empty)
    return c.json({ executionId: id, events: await engine.getLog(id) })
  })

  app.get('/:id/metrics', async (c) => {
    const id = c.req.param('id')
    const state = await engine.getExecutionStatus(id)
    const events = await engine.getLog(id)
    return c.json(executionMetrics(state, events, now()))
  })

  return app
}
