/** Construction options and components of the execution engine. */
import type { ExpressionOptions } from '../expr/index.js'
import type { ActionRegistry } from '../interface/action.js'
import type { Clock } from '../interface/clock.js'
import type { StepDispatcher } from '../interface/dispatcher.js'
import type { IdSource } from '../interface/ids.js'
import type { StateStore } from '../interface/state-store.js'
import type { CircuitBreakerInit } from './circuit-breaker.js'

export interface EngineInit {
  /** Recorded as the node that ran local steps. */
  nodeId?: string
  /** Executions running at once; the excess waits in `pending` (default 100, the seed's). */
  maxConcurrentFlows?: number
  /** Step timeout when a step sets none, in ms (default 300000, the seed's `defaultTimeout`). */
  defaultStepTimeout?: number
  circuitBreaker?: CircuitBreakerInit
  expressions?: ExpressionOptions
  /** Terminal executions whose state is kept in memory for status queries (default 1000). */
  finishedCacheSize?: number
  /**
   * Automatic checkpoints at step boundaries: a `checkpoint.created` event in the log plus a
   * snapshot of the folded state in the store. `0` checkpoints at every boundary, `n` at most
   * once per `n` ms per execution; absent, only explicit `createCheckpoint` calls make them.
   * Recovery loads the latest snapshot and folds only the log tail after it.
   */
  checkpointInterval?: number
  /**
   * Log events between snapshot blocks of automatic checkpoints (default 32; 1: a snapshot at
   * every checkpoint). A checkpoint always pins the log head; its state is the latest snapshot
   * plus the log up to it, so short flows write few snapshots.
   */
  snapshotEvery?: number
}

export interface EngineComponents {
  store: StateStore
  dispatcher: StepDispatcher
  actions: ActionRegistry
  clock: Clock
  ids: IdSource
}

export interface StartOptions {
  parentExecutionId?: string
  parentStepId?: string
  /** Start at once even over `maxConcurrentFlows` (child flows: their parent holds a slot). */
  bypassQueue?: boolean
}

