/**
 * A real engine (memory store, no sandbox) behind the API app, and small request helpers.
 * Every spec builds one in `beforeEach` and closes it in `afterEach`.
 *
 * By default the engine is the Node runtime's (with its trust admission); `{ bare: true }`
 * builds a plain engine, for API rules that must not depend on the node's own admission
 * (e.g. DAO-subnet flows the node identity is not a member of).
 */
import { vi } from 'vitest'
import { createApiApp } from '../../../node/api/app.js'
import type { ApiAppInit } from '../../../node/api/app.js'
import { daoViewOf } from '../../../node/api/routes/dao.js'
import { createNodeRuntime } from '../../../node/runtime.js'
import type { NodeRuntime } from '../../../node/runtime.js'
import { builtinRegistry, createExecutionEngine, localDispatcher, memoryStateStore, randomIds, systemClock } from '../../../src/index.js'

export type HarnessRuntime = Pick<NodeRuntime, 'engine' | 'actions' | 'store' | 'close'>

async function bareRuntime (): Promise<HarnessRuntime> {
  const clock = systemClock()
  const store = memoryStateStore()
  const actions = builtinRegistry()
  const engine = createExecutionEngine({ nodeId: 'api-test' }, { store, clock, actions, ids: randomIds(), dispatcher: localDispatcher(actions, { nodeId: 'api-test' }) })
  await engine.start()
  return { engine, actions, store, close: async () => { await engine.stop() } }
}

export interface ApiHarness {
  runtime: HarnessRuntime
  /** The Node runtime (trust, admission) unless `{ bare: true }`. */
  node?: NodeRuntime
  app: ReturnType<typeof createApiApp>
  /** Every error the app logged as a 500. */
  log: ReturnType<typeof vi.fn>
  json(method: string, path: string, body?: unknown): Promise<Response>
  text(method: string, path: string, body: string, contentType?: string): Promise<Response>
}

export async function apiHarness (init: Partial<ApiAppInit> = {}, options: { bare?: boolean } = {}): Promise<ApiHarness> {
  const node = options.bare === true ? undefined : await createNodeRuntime({ sandbox: false })
  const runtime: HarnessRuntime = node ?? await bareRuntime()
  const log = vi.fn()
  // as the relay wires it: signed starts admitted by the runtime, its DAO registry read-only
  const admission: Partial<ApiAppInit> = node != null ? { start: async (flowId, input, o) => await node.start(flowId, input, o), dao: daoViewOf(node.trust) } : {}
  const app = createApiApp({ engine: runtime.engine, actions: runtime.actions, store: runtime.store, log, ...admission, ...init })
  return {
    runtime,
    ...(node != null ? { node } : {}),
    app,
    log,
    json: async (method, path, body) => await app.request(path, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {})
    }),
    text: async (method, path, body, contentType) => await app.request(path, {
      method, body, ...(contentType != null ? { headers: { 'content-type': contentType } } : {})
    })
  }
}

/** A minimal valid flow document as an author writes it (defaults left out). */
export function flowDoc (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    steps: [
      { id: 'start', type: 'event-trigger', action: 'qflow.trigger.manual', params: {} },
      { id: 'done', type: 'task', action: 'qflow.action.complete', params: { output: { hello: '${input.name}' } } }
    ],
    metadata: { tags: ['demo'], category: 'examples', visibility: 'public', requiredPermissions: [] },
    ...extra
  }
}

/** A flow that waits for the event `go` (no timeout) and then completes with its payload. */
export function waitingFlowDoc (id: string): Record<string, unknown> {
  return {
    id,
    name: 'Waits for go',
    steps: [
      { id: 'start', type: 'event-trigger', action: 'qflow.trigger.manual', params: {} },
      { id: 'wait', type: 'event-trigger', action: 'qflow.trigger.event', params: { event: 'go' } },
      { id: 'done', type: 'task', action: 'qflow.action.complete', params: { output: { got: '${steps.wait.output}' } } }
    ],
    metadata: { tags: ['events'], category: 'test', visibility: 'private', requiredPermissions: [] }
  }
}

/**
 * Resolves once an execution of `flowId` waits for an event and the wait is registered
 * (its `event.waiting` is stored). Call it before starting the execution.
 */
export async function nextWait (h: ApiHarness, flowId: string): Promise<string> {
  const { engine } = h.runtime
  const executionId = await new Promise<string>((resolve) => {
    const listener = (evt: CustomEvent<{ executionId: string, flowId: string }>): void => {
      if (evt.detail.flowId !== flowId) return
      engine.events.removeEventListener('step:waiting', listener)
      resolve(evt.detail.executionId)
    }
    engine.events.addEventListener('step:waiting', listener)
  })
  await engine.persisted(executionId)
  return executionId
}
