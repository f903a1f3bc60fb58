/**
 * The isomorphic core's only door for `web/` and `node/`. Platform parts (state stores,
 * sandboxes, transports) are injected by their composition roots.
 */
export * from './errors.js'
export * from './interface/action.js'
export * from './interface/clock.js'
export * from './interface/dispatcher.js'
export * from './interface/ids.js'
export * from './interface/sandbox-host.js'
export * from './interface/state-store.js'
export { actionRegistry, builtinActions, builtinRegistry, localDispatcher } from './actions/index.js'
export type { LocalDispatcherInit } from './actions/index.js'
export { createExecutionEngine, ExecutionEngine } from './engine/engine.js'
export type { EngineComponents, EngineInit, StartOptions } from './engine/engine-init.js'
export type { EngineEvents } from './engine/events.js'
export { foldEvents } from './engine/reducer.js'
export { toExecutionState } from './engine/run-state.js'
export { loadFlow, validateFlow, parseDocument, applyDefaults, FlowSyntaxError } from './flow/index.js'
export type { LoadedFlow, FlowValidationResult, AppliedDefault } from './flow/index.js'
export { memoryStateStore } from './state/memory-store.js'
export { engineStateManager } from './engine/state-manager.js'
export type { StateManager } from './engine/state-manager.js'
export * as trust from './trust/index.js'
