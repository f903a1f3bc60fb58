/**
 * The seed's StateManager over the engine. The log is the truth, so `saveState` does not
 * write a caller-made state: it snapshots the execution's folded state (a checkpoint) and
 * returns the checkpoint id; `loadState` folds the stored log.
 */
import type { ExecutionState } from '../../shared/execution.js'
import { InvalidStateError } from '../errors.js'
import type { ExecutionEngine } from './engine.js'

export interface StateManager {
  saveState(executionId: string, state: ExecutionState): Promise<string>
  loadState(executionId: string): Promise<ExecutionState>
  createCheckpoint(executionId: string): Promise<string>
  restoreCheckpoint(executionId: string, checkpointId: string): Promise<void>
}

export function engineStateManager (engine: Pick<ExecutionEngine, 'createCheckpoint' | 'restoreCheckpoint' | 'getExecutionStatus'>): StateManager {
  return {
    async saveState (executionId, state) {
      if (state.executionId !== executionId) throw new InvalidStateError(`state of execution ${state.executionId} cannot be saved as ${executionId}`)
      return await engine.createCheckpoint(executionId)
    },
    loadState: async (executionId) => await engine.getExecutionStatus(executionId),
    createCheckpoint: async (executionId) => await engine.createCheckpoint(executionId),
    restoreCheckpoint: async (executionId, checkpointId) => { await engine.restoreCheckpoint(executionId, checkpointId) }
  }
}
