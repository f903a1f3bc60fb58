/**
 * WebSocket streams (through `upgradeWebSocket` of @hono/node-server; `serve.ts` wires the
 * server). Every message is one JSON object.
 *
 * - `/ws/executions/:id`: the execution's log so far, then live events, as
 *   `{ type: "event", index, event }` (indexes contiguous from 0), then `{ type: "end", status }`
 *   when it reaches a terminal status, then the server closes (1000). Hidden executions: 404.
 * - `/ws/system/metrics?intervalMs=`: `{ type: "metrics", at, metrics }` at once and then every
 *   `intervalMs` (default `metricsIntervalMs`, 1000; at least 100). Timers are unref'd.
 * - `/ws/dao/:daoId/events`: `{ type: "event", executionId, flowId, index, event }` for every
 *   local execution of that DAO subnet and, when a `remote` source is given (the network's
 *   execution-event gossip), `{ type: "remote", executionId, flowId, coordinator, event }` for
 *   the other nodes' executions of the subnet (`event`: the compact `RemoteExecutionEvent`, ids,
 *   step ids, timestamps, error type; no data). The identity must be a member (401 anonymous,
 *   403 otherwise, when auth is on).
 *
 * Checks run before the upgrade, so refusals are plain HTTP answers (404, 401, 403, 400); a
 * request without an upgrade gets 426.
 */
import { upgradeWebSocket } from '@hono/node-server'
import { Hono } from 'hono'
import type { MiddlewareHandler } from 'hono'
import type { WSContext } from 'hono/ws'
import { TERMINAL_STATUSES } from '../../shared/execution.js'
import type { ExecutionEvent } from '../../shared/execution.js'
import type { RemoteExecutionEvent } from '../../shared/network.js'
import type { ExecutionEngine } from '../../src/index.js'
import { assertVisible, getAccess } from './access.js'
import { ForbiddenError, UnauthorizedError } from './auth/errors.js'
import { InvalidRequestError, UpgradeRequiredError } from './errors.js'
import type { SystemMetrics } from './system-metrics.js'
import { redactEvent } from './webhook-params.js'

export interface StreamRoutesComponents {
  engine: Pick<ExecutionEngine, 'events' | 'getExecutionStatus' | 'getLog'>
  metrics: Pick<SystemMetrics, 'json'>
  /** Default interval of `/ws/system/metrics` (ms, default 1000). */
  metricsIntervalMs?: number
  now: () => number
  log: (message: string, err: unknown) => void
  /**
   * Other nodes' execution events (`execution:event` with a `RemoteExecutionEvent`: the
   * network's `ExecutionEventGossip`); absent: the DAO stream carries local executions only.
   */
  remote?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>
}

export const MIN_METRICS_INTERVAL_MS = 100

const requireUpgrade: MiddlewareHandler = async (c, next) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') throw new UpgradeRequiredError()
  if ((c.env as { incoming?: unknown } | undefined)?.incoming == null) {
    throw new UpgradeRequiredError('WebSocket streams are served by serveApi (node:http); this request has no socket to upgrade')
  }
  await next()
}

const TERMINAL_EVENTS = ['execution:completed', 'execution:failed', 'execution:aborted'] as const

function sendJson (ws: WSContext, value: unknown): void {
  if (ws.readyState === 1) ws.send(JSON.stringify(value))
}

export function streamRoutes ({ engine, metrics, metricsIntervalMs, now, log, remote }: StreamRoutesComponents): Hono {
  const app = new Hono()
  const { events } = engine

  app.get('/executions/:id', requireUpgrade, upgradeWebSocket(async (c) => {
    const id = c.req.param('id') ?? ''
    const first = await engine.getExecutionStatus(id)
    await assertVisible(c, first.context.daoSubnet, `no execution with id "${id}"`)
    const access = getAccess(c)
    const manages = (owner: string): boolean => access.manages(owner)
    const controller = new AbortController()
    return {
      onOpen (_evt, ws) {
        const signal = controller.signal
        let next = 0
        let ready = false
        let ending = false
        const buffered: Array<{ index: number, event: ExecutionEvent }> = []
        const send = (index: number, event: ExecutionEvent): void => {
          if (index !== next) return // already sent (or out of order: `finish` re-reads the log)
          sendJson(ws, { type: 'event', index, event: redactEvent(event, manages) })
          next = index + 1
        }
        const finish = async (): Promise<void> => {
          if (ending || !ready) return
          ending = true
          const logged = await engine.getLog(id)
          for (let i = next; i < logged.length; i++) send(i, logged[i])
          const state = await engine.getExecutionStatus(id)
          sendJson(ws, { type: 'end', status: state.status })
          controller.abort()
          ws.close(1000, state.status)
        }
        const fail = (err: unknown): void => {
          log(`stream of execution ${id} failed`, err)
          controller.abort()
          ws.close(1011, 'internal error')
        }
        events.addEventListener('log:appended', (evt) => {
          if (evt.detail.executionId !== id) return
          if (ready) send(evt.detail.index, evt.detail.event)
          else buffered.push(evt.detail)
        }, { signal })
        for (const type of TERMINAL_EVENTS) {
          events.addEventListener(type, (evt) => { if (evt.detail.executionId === id) finish().catch(fail) }, { signal })
        }
        void (async () => {
          const logged = await engine.getLog(id)
          logged.forEach((event, index) => { send(index, event) })
          ready = true
          for (const b of buffered) send(b.index, b.event)
          if (TERMINAL_STATUSES.has((await engine.getExecutionStatus(id)).status)) await finish()
        })().catch(fail)
      },
      onClose () { controller.abort() }
    }
  }))

  app.get('/system/metrics', requireUpgrade, upgradeWebSocket((c) => {
    const raw = c.req.query('intervalMs')
    const intervalMs = raw == null ? (metricsIntervalMs ?? 1000) : Number(raw)
    if (!Number.isInteger(intervalMs) || intervalMs < MIN_METRICS_INTERVAL_MS) {
      throw new InvalidRequestError([{ path: 'intervalMs', message: `must be an integer >= ${MIN_METRICS_INTERVAL_MS}` }])
    }
    let timer: ReturnType<typeof setInterval> | undefined
    return {
      onOpen (_evt, ws) {
        const tick = (): void => {
          metrics.json().then(m => { sendJson(ws, { type: 'metrics', at: now(), metrics: m }) }, (err) => { log('metrics stream failed', err) })
        }
        tick()
        timer = setInterval(tick, intervalMs)
        timer.unref()
      },
      onClose () { clearInterval(timer) }
    }
  }))

  app.get('/dao/:daoId/events', requireUpgrade, upgradeWebSocket(async (c) => {
    const daoId = c.req.param('daoId') ?? ''
    const access = getAccess(c)
    if (access.enforced) {
      if (access.identity == null) throw new UnauthorizedError(`the events of DAO subnet "${daoId}" are for its members: authenticate`)
      if (!await access.member(daoId)) throw new ForbiddenError(`${access.identity} is not a member of the DAO subnet "${daoId}"`)
    }
    const controller = new AbortController()
    return {
      onOpen (_evt, ws) {
        const subnets = new Map<string, Promise<string | undefined>>()
        // lookups are async: a chain keeps the messages in the order the engine emitted them
        let chain: Promise<void> = Promise.resolve()
        events.addEventListener('log:appended', ({ detail }) => {
          const { executionId, flowId, index, event } = detail
          if (event.type === 'execution.started') subnets.set(executionId, Promise.resolve(event.context.daoSubnet))
          let subnet = subnets.get(executionId)
          if (subnet == null) {
            subnet = engine.getExecutionStatus(executionId).then(s => s.context.daoSubnet, () => undefined)
            subnets.set(executionId, subnet)
          }
          const lookup = subnet
          chain = chain.then(async () => {
            if (await lookup === daoId) sendJson(ws, { type: 'event', executionId, flowId, index, event: redactEvent(event, owner => access.manages(owner)) })
          })
        }, { signal: controller.signal })
        for (const type of TERMINAL_EVENTS) {
          // forget finished executions (a late event looks its subnet up again)
          events.addEventListener(type, ({ detail }) => { chain = chain.then(() => { subnets.delete(detail.executionId) }) }, { signal: controller.signal })
        }
        remote?.addEventListener('execution:event', (evt) => {
          const event = (evt as CustomEvent<RemoteExecutionEvent>).detail
          if (event.subnet !== daoId) return
          // behind the local chain: a remote event never overtakes local ones emitted before it
          chain = chain.then(() => { sendJson(ws, { type: 'remote', executionId: event.executionId, flowId: event.flowId, coordinator: event.coordinator, event }) })
        }, { signal: controller.signal })
      },
      onClose () { controller.abort() }
    }
  }))

  return app
}
