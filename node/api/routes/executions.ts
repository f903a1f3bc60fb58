/**
 * `/api/v1/executions`: list (`?flowId=`, `?active=true|false`), and per execution: status (the
 * `ExecutionState` JSON `qflow status --json` prints), pause, resume, abort, the event log and
 * metrics. Executions of a DAO subnet the caller is not a member of answer 404 (access.ts).
 */
import { Hono } from 'hono'
import type { Context } from 'hono'
import { z } from 'zod'
import type { ExecutionState } from '../../../shared/execution.js'
import type { ExecutionEngine, StateStore } from '../../../src/index.js'
import { assertVisible, getAccess } from '../access.js'
import { ForbiddenError } from '../auth/errors.js'
import { readJson } from '../body.js'
import { InvalidRequestError } from '../errors.js'
import { executionMetrics } from '../metrics.js'
import { redactEvent } from '../webhook-params.js'

export interface ExecutionRoutesComponents {
  engine: Pick<ExecutionEngine, 'getExecutionStatus' | 'pauseExecution' | 'resumeExecution' | 'abortExecution' | 'getLog' | 'getFlow'>
  store: Pick<StateStore, 'listExecutions'>
  /** Epoch ms, for the duration of live executions. */
  now: () => number
}

const Empty = z.strictObject({}, { error: 'must be an object' })
export const AbortBody = z.strictObject({
  reason: z.string({ error: 'must be a string' }).max(1000, { error: 'must be at most 1000 characters' }).optional()
}, { error: 'must be an object' })

const LIST_FILTERS = ['flowId', 'active'] as const

export function executionRoutes ({ engine, store, now }: ExecutionRoutesComponents): Hono {
  const app = new Hono()

  /** The execution's state, when the caller may see it (404 as for an unknown id otherwise). */
  const visible = async (c: Context, id: string): Promise<ExecutionState> => {
    const state = await engine.getExecutionStatus(id)
    await assertVisible(c, state.context.daoSubnet, `no execution with id "${id}"`)
    return state
  }

  /** Visible, and the caller started it, owns its flow, or is an admin (403 otherwise). */
  const controllable = async (c: Context, id: string): Promise<void> => {
    const access = getAccess(c)
    await access.require('executions:control')
    const state = await visible(c, id)
    if (!access.enforced || access.manages(state.context.triggeredBy)) return
    const owner = await engine.getFlow(state.flowId).then(f => f.owner, () => undefined)
    if (!access.manages(owner)) throw new ForbiddenError(`${access.identity ?? 'an anonymous caller'} may not control execution ${id}: it was started by ${state.context.triggeredBy}`)
  }

  app.get('/', async (c) => {
    const query = c.req.query()
    const unknown = Object.keys(query).filter(k => !(LIST_FILTERS as readonly string[]).includes(k))
    if (unknown.length > 0) throw new InvalidRequestError(unknown.map(k => ({ path: k, message: `unknown filter (use ${LIST_FILTERS.join(', ')})` })))
    if (query.active != null && query.active !== 'true' && query.active !== 'false') throw new InvalidRequestError([{ path: 'active', message: 'must be true or false' }])
    const access = getAccess(c)
    const all = await store.listExecutions({
      ...(query.active != null ? { active: query.active === 'true' } : {}),
      ...(query.flowId != null ? { flowId: query.flowId } : {})
    })
    const shown = access.enforced
      ? (await Promise.all(all.map(async (e) => {
          const subnet = await engine.getExecutionStatus(e.executionId).then(s => s.context.daoSubnet, () => undefined)
          return await access.visible(subnet) ? e : undefined
        }))).filter(e => e != null)
      : all
    return c.json({ executions: shown.sort((a, b) => b.updatedAt - a.updatedAt) })
  })

  app.get('/:id', async (c) => c.json(await visible(c, c.req.param('id'))))

  // pause, resume, abort: read the body, check the caller may control the execution, act, answer its status
  const control = <S extends z.ZodType>(path: string, body: S, act: (id: string, body: z.infer<S>) => Promise<unknown>): void => {
    app.post(path, async (c) => {
      const id = c.req.param('id') as string
      const parsed = await readJson(c, body)
      await controllable(c, id)
      await act(id, parsed)
      return c.json(await engine.getExecutionStatus(id))
    })
  }
  control('/:id/pause', Empty, async (id) => { await engine.pauseExecution(id) })
  control('/:id/resume', Empty, async (id) => { await engine.resumeExecution(id) })
  control('/:id/abort', AbortBody, async (id, { reason }) => { await engine.abortExecution(id, reason) })

  app.get('/:id/logs', async (c) => {
    const id = c.req.param('id')
    await visible(c, id) // 404 for an unknown id (the log of one is just empty)
    const access = getAccess(c)
    const events = (await engine.getLog(id)).map(e => redactEvent(e, owner => access.manages(owner)))
    return c.json({ executionId: id, events })
  })

  app.get('/:id/metrics', async (c) => {
    const id = c.req.param('id')
    const state = await visible(c, id)
    const events = await engine.getLog(id)
    return c.json(executionMetrics(state, events, now()))
  })

  return app
}
