/**
 * The Node composition root: builds an engine from the isomorphic core plus what this
 * platform provides. (The durable store, sandbox and network are injected here by their
 * issues; until then the node runs in memory and sandboxed actions fail clearly.)
 */
import { builtinRegistry, createExecutionEngine, localDispatcher, memoryStateStore, randomIds, systemClock } from '../src/index.js'
import type { ActionRegistry, EngineInit, ExecutionEngine, StateStore } from '../src/index.js'

export interface NodeRuntimeInit extends EngineInit {
  store?: StateStore
}

export interface NodeRuntime {
  engine: ExecutionEngine
  actions: ActionRegistry
  store: StateStore
  close(): Promise<void>
}

export async function createNodeRuntime (init: NodeRuntimeInit = {}): Promise<NodeRuntime> {
  const clock = systemClock()
  const actions = builtinRegistry()
  const store = init.store ?? memoryStateStore()
  const nodeId = init.nodeId ?? 'local'
  const engine = createExecutionEngine({ ...init, nodeId }, {
    store, clock, actions, ids: randomIds(), dispatcher: localDispatcher(actions, { nodeId })
  })
  await engine.start()
  return {
    engine,
    actions,
    store,
    close: async () => { await engine.stop() }
  }
}
